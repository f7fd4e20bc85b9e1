; Inno Setup script for Outpost on Windows x64 - UNTESTED (written on Linux, never compiled or run).
; Build the bundle first with installer\windows\build-windows.ps1, which then runs:
;   iscc /DAppVersion=0.1.0 installer\windows\outpost.iss
; The program folder is read-only for users; each user's data lives in %LOCALAPPDATA%\Outpost
; (model packs, results, study store, PACS settings) and HKCU\Software\Outpost (viewer settings).

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
AppId={{5B0C7E1E-8D3A-4F3B-9C61-0A7E4D2B6F10}
AppName=Outpost
AppVersion={#AppVersion}
AppVerName=Outpost {#AppVersion}
AppPublisher=Outpost project
AppComments=Offline DICOM viewer with AI assistance. Not for diagnostic use.
DefaultDirName={autopf}\Outpost
DisableProgramGroupPage=yes
; Per-user install without administrator rights by default; an administrator may choose all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=outpost-{#AppVersion}-windows-x86_64-setup
Compression=lzma2/ultra64
SolidCompression=yes
LZMANumBlockThreads=4
WizardStyle=modern
UninstallDisplayIcon={app}\outpost-gui.exe
ChangesAssociations=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The PyInstaller onedir bundle (outpost.exe for the command line, outpost-gui.exe for the window).
Source: "..\..\build\pyinstaller\dist\outpost\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\Outpost"; Filename: "{app}\outpost-gui.exe"; Comment: "Offline DICOM viewer with AI assistance (not for diagnostic use)"
Name: "{autoprograms}\Outpost demo"; Filename: "{app}\outpost-gui.exe"; Parameters: "demo"; Comment: "A synthetic CT, segmented and explained by the demo model"
Name: "{autodesktop}\Outpost"; Filename: "{app}\outpost-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\outpost-gui.exe"; Description: "{cm:LaunchProgram,Outpost}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only the program folder; users' data in %LOCALAPPDATA%\Outpost is kept.
Type: filesandordirs; Name: "{app}"
