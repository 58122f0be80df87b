"""The shell: loads state (dossier, register, workbook tables), runs a workflow's pure plan and commits its outcome through the one commit protocol."""
