Attribute VB_Name = "RibbonMyAddin"
' Reglo: the single, frozen VBA module of reglo.xlam.
' Every button of the "Reglo" ribbon tab (customUI/customUI.xml) calls OnAction and
' carries the name of its Python handler in its tag attribute. New buttons only change
' customUI.xml: this module never changes. See addin/ribbon.py (dispatch).
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    ' Python works on the active workbook (xw.Book.caller()): there must be one.
    ' ChrW keeps the French text independent of the project's code page.
    If ActiveWorkbook Is Nothing Then
        MsgBox "Ouvrez ou cr" & ChrW(233) & "ez d'abord un classeur, puis cliquez de nouveau sur le bouton.", vbInformation, "Reglo"
        Exit Sub
    End If
    ' Quotes are removed so that a tag can never break out of the Python string.
    RunPython "import reglo.addin.entrypoints.ribbon; reglo.addin.entrypoints.ribbon.dispatch('" & Replace(control.Tag, "'", "") & "')"
End Sub
