Attribute VB_Name = "NSCL"
Option Explicit
' nscl-xl buttons. Every button calls a parameterless Sub here; the work (and every message
' the user reads, in Vietnamese) is done in Python by nscl_xl.excel through xlwings' RunPython.
' Keep this file ASCII: VBA modules are stored in the Windows code page.
' Every RunPython command is a constant without quotes, spaces in values, %, ^, & or |: it
' passes cmd.exe and the C runtime's argument rules unchanged (tests/test_runpython_cmdline.py).

Public Sub NSCL_DienNam()
    RunPython "import nscl_xl.excel as x; x.dien_nam()"
End Sub

Public Sub NSCL_KiemTra()
    RunPython "import nscl_xl.excel as x; x.kiem_tra()"
End Sub

Public Sub NSCL_BangChu()
    RunPython "import nscl_xl.excel as x; x.bang_chu()"
End Sub

Public Sub NSCL_TongHop()
    ' Python asks Excel for the folder (its own folder picker, through COM): no path is ever
    ' put on the command line that RunPython hands to cmd.exe.
    RunPython "import nscl_xl.excel as x; x.tong_hop()"
End Sub

' Ribbon: one callback for all buttons; each button's tag says which Sub to run, so adding a
' button only needs a line in customUI.xml and a Case here.
Public Sub NSCL_Ribbon(control As IRibbonControl)
    Select Case control.Tag
        Case "dien_nam": NSCL_DienNam
        Case "kiem_tra": NSCL_KiemTra
        Case "bang_chu": NSCL_BangChu
        Case "tong_hop": NSCL_TongHop
    End Select
End Sub
