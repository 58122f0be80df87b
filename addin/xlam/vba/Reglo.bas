Attribute VB_Name = "RibbonMyAddin"
' Reglo: the single VBA module of reglo.xlam.
' Every button of the "Reglo" ribbon tab (customUI/customUI.xml) calls OnAction and
' carries the name of its Python handler in its tag attribute ("handler" or
' "handler|condition"). New buttons only change customUI.xml: this module does not change.
' See addin/entrypoints/ribbon.py (dispatch).
Option Explicit

Private ribbonUI As IRibbonUI

Public Sub OnLoad(ribbon As IRibbonUI)
    Set ribbonUI = ribbon
End Sub

Public Sub OnAction(control As IRibbonControl)
    ' Python works on the active workbook (xw.Book.caller()): there must be one.
    ' ChrW keeps the French text independent of the project's code page.
    If ActiveWorkbook Is Nothing Then
        MsgBox "Ouvrez ou cr" & ChrW(233) & "ez d'abord un classeur, puis cliquez de nouveau sur le bouton.", vbInformation, "Reglo"
        Exit Sub
    End If
    ' Quotes are removed so that a tag can never break out of the Python string.
    Dim handler As String
    handler = Split(control.Tag & "|", "|")(0)
    RunPython "import reglo.addin.entrypoints.ribbon; reglo.addin.entrypoints.ribbon.dispatch('" & Replace(handler, "'", "") & "')"
    ' A button may change what the ribbon shows (the first import reveals "Afficher").
    If Not ribbonUI Is Nothing Then ribbonUI.Invalidate
End Sub

' Visibility of a control whose tag ends with "|SHEET" (shown when the active workbook
' has that sheet) or "|!SHEET" (shown until it has it): the split button
' "Afficher / Importer" of the seed, with "Importer" alone before the first import.
Public Sub GetVisible(control As IRibbonControl, ByRef visible)
    Dim parts() As String, condition As String, wanted As Boolean, present As Boolean
    visible = True
    parts = Split(control.Tag & "|", "|")
    condition = parts(1)
    If condition = "" Then Exit Sub
    wanted = Left(condition, 1) <> "!"
    If Not wanted Then condition = Mid(condition, 2)
    present = False
    On Error Resume Next
    If Not ActiveWorkbook Is Nothing Then present = Not (ActiveWorkbook.Worksheets(condition) Is Nothing)
    On Error GoTo 0
    visible = (present = wanted)
End Sub
