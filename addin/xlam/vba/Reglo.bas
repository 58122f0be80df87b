Attribute VB_Name = "RibbonMyAddin"
' Reglo: the ribbon module of reglo.xlam.
' Every button of the "Reglo" ribbon tab (customUI/customUI.xml) calls OnAction and
' carries the name of its Python handler in its tag attribute ("handler" or
' "handler|condition"). New buttons only change customUI.xml: this module does not change.
' See addin/entrypoints/ribbon.py (dispatch).
'
' Keys of the disbursement wizard (the seed's Ctrl-Z, F5 and F3; handlers' KEYS): WizardKeys binds them with
' Application.OnKey while a wizard sheet ("Etape 1 - ..." to "Etape 5 - ...", with E acute)
' is active, and releases them (Excel's own undo and F5 back) as soon as another sheet or
' workbook is active. The application events of the add-in's ThisWorkbook module
' (addin/xlam/vba/ThisWorkbook.cls) call it on every sheet or workbook change.
Option Explicit

Private ribbonUI As IRibbonUI
Private wizardKeysBound As Boolean

Public Sub OnLoad(ribbon As IRibbonUI)
    Set ribbonUI = ribbon
End Sub

Public Sub OnAction(control As IRibbonControl)
    Dim handler As String
    handler = Split(control.Tag & "|", "|")(0)
    RunHandler handler
End Sub

' Run the Python handler registered under "handler" on the active workbook.
Private Sub RunHandler(ByVal handler As String)
    ' Python works on the active workbook (xw.Book.caller()): there must be one.
    ' ChrW keeps the French text independent of the project's code page.
    If ActiveWorkbook Is Nothing Then
        MsgBox "Ouvrez ou cr" & ChrW(233) & "ez d'abord un classeur, puis cliquez de nouveau sur le bouton.", vbInformation, "Reglo"
        Exit Sub
    End If
    ' Quotes are removed so that a tag can never break out of the Python string.
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

' ---------------------------------------------------------------------------
' disbursement wizard keys
' ---------------------------------------------------------------------------

' A sheet of the wizard's steps: "Etape N - ..." with N from 1 to 5 (E acute = ChrW(201)).
Private Function IsWizardSheet(ByVal sh As Object) As Boolean
    IsWizardSheet = False
    If sh Is Nothing Then Exit Function
    If TypeName(sh) <> "Worksheet" Then Exit Function
    If Not (sh.Name Like "?tape [1-5] - *") Then Exit Function
    IsWizardSheet = (AscW(Left(sh.Name, 1)) = 201)
End Function

' Bind Ctrl-Z, F5 and F3 while a wizard sheet is active, release them otherwise.
Public Sub WizardKeys(ByVal sh As Object)
    If IsWizardSheet(sh) Then
        BindWizardKeys
    Else
        ReleaseWizardKeys
    End If
End Sub

Public Sub BindWizardKeys()
    ' The macros are named with the add-in's file name: OnKey finds them from any workbook.
    Dim prefix As String
    prefix = "'" & ThisWorkbook.Name & "'!"
    Application.OnKey "^z", prefix & "WizardUndo"
    Application.OnKey "{F5}", prefix & "WizardAssign"
    Application.OnKey "{F3}", prefix & "WizardDispute"
    wizardKeysBound = True
End Sub

Public Sub ReleaseWizardKeys()
    ' OnKey without a procedure gives the key back to Excel (its own undo, "Atteindre").
    If Not wizardKeysBound Then Exit Sub
    Application.OnKey "^z"
    Application.OnKey "{F5}"
    Application.OnKey "{F3}"
    wizardKeysBound = False
End Sub

' Ctrl-Z on a wizard sheet: "Annuler" of the wizard (one level).
Public Sub WizardUndo()
    If Not IsWizardSheet(ActiveSheet) Then
        ReleaseWizardKeys
        Exit Sub
    End If
    RunHandler "disburse_undo"
End Sub

' F5 on a wizard sheet: "Affecter (F5)", to the supplier's default bank.
Public Sub WizardAssign()
    If Not IsWizardSheet(ActiveSheet) Then
        ReleaseWizardKeys
        Exit Sub
    End If
    RunHandler "disburse_assign"
End Sub

' F3 on a wizard sheet: "Contester" the marked items.
Public Sub WizardDispute()
    If Not IsWizardSheet(ActiveSheet) Then
        ReleaseWizardKeys
        Exit Sub
    End If
    RunHandler "disburse_dispute"
End Sub

' Double-click on a payment row of "Etape 3 - Emission" (accents as ChrW): that payment alone
' is marked ("x" in "Selection", other marks removed) and assigned like F5. Returns True when
' the double-click was used (Excel then does not enter the cell).
Public Function WizardDoubleClick(ByVal sh As Object, ByVal target As Object) As Boolean
    Dim headerRow As Long, r As Long, lastRow As Long, markHeader As String
    WizardDoubleClick = False
    If Not IsWizardSheet(sh) Then Exit Function
    If Not (sh.Name Like "?tape 3 - *") Then Exit Function
    markHeader = "S" & ChrW(233) & "lection"
    headerRow = 0
    For r = 1 To 40
        If CStr(sh.Cells(r, 1).Value) = markHeader Then
            headerRow = r
            Exit For
        End If
    Next r
    If headerRow = 0 Or target.Row <= headerRow Then Exit Function
    If CStr(sh.Cells(target.Row, 2).Value) = "" Then Exit Function
    lastRow = sh.Cells(sh.Rows.Count, 2).End(-4162).Row ' xlUp
    For r = headerRow + 1 To lastRow
        If CStr(sh.Cells(r, 1).Value) <> "" Then sh.Cells(r, 1).Value = ""
    Next r
    sh.Cells(target.Row, 1).Value = "x"
    WizardDoubleClick = True
    RunHandler "disburse_assign"
End Function
