# Build the Windows installer dist\outpost-<version>-windows-x86_64-setup.exe - UNTESTED (written on Linux).
# Run from the repository root in PowerShell, with Python 3.11 (py launcher) and Inno Setup 6 (iscc) installed:
#   powershell -ExecutionPolicy Bypass -File installer\windows\build-windows.ps1 [-Wheelhouse DIR] [-TorchIndex URL]
# -Wheelhouse: install from a folder made by installer/wheelhouse.sh --platform win_amd64 (offline).
# -TorchIndex: PyTorch's CPU wheel index, so that torch 2.13.0 is the CPU build (not the CUDA one).
param([string]$Wheelhouse = "", [string]$TorchIndex = "")
$ErrorActionPreference = "Stop"
Set-StrictMode -Version Latest
$root = (Resolve-Path "$PSScriptRoot\..\..").Path
Set-Location $root
if (-not (Test-Path ".venv\Scripts\python.exe")) { py -3.11 -m venv .venv }
$python = "$root\.venv\Scripts\python.exe"
$env:PIP_CONSTRAINT = "$root\installer\constraints.txt"
$pipArgs = @("--disable-pip-version-check")
if ($Wheelhouse) { $pipArgs += @("--no-index", "--find-links", $Wheelhouse) }
if ($TorchIndex) { $pipArgs += @("--extra-index-url", $TorchIndex) }
& $python -m pip install @pipArgs "torch==2.13.0"; if ($LASTEXITCODE) { throw "pip install torch failed" }
& $python -m pip install @pipArgs -e . -r installer\build-requirements.txt; if ($LASTEXITCODE) { throw "pip install failed" }
$version = & $python -c "import viewer; print(viewer.__version__)"
$env:OUTPOST_BUILD_CUTS = "1"
& $python -m PyInstaller --noconfirm --distpath build\pyinstaller\dist --workpath build\pyinstaller\work installer\outpost.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }
# The bundled packs and a first check of the program, before packaging it.
& build\pyinstaller\dist\outpost\outpost.exe --version; if ($LASTEXITCODE) { throw "the bundle does not start" }
& build\pyinstaller\dist\outpost\outpost.exe models list; if ($LASTEXITCODE) { throw "the bundle lists no packs" }
iscc "/DAppVersion=$version" installer\windows\outpost.iss; if ($LASTEXITCODE) { throw "Inno Setup failed" }
Write-Output "wrote dist\outpost-$version-windows-x86_64-setup.exe"
