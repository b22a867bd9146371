#!/usr/bin/env bash
# The README's test command: every xunit suite, the Pester suite against the assembled module
# on a real pwsh, Test-ModuleManifest and the Gallery round trip. Installs what is missing
# first, pinned and from NuGet only: PowerShell 7.6.10 (the dotnet global tool, into
# out/tools/pwsh) and Pester 5.9.1 (a NuGet package, into out/tools/packages).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

pwsh_version=7.6.10
pester_version=5.9.1
tools="$root/out/tools"
pwsh="$tools/pwsh/pwsh"
if [ ! -x "$pwsh" ] || [ "$("$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()')" != "$pwsh_version" ]; then
  rm -rf "$tools/pwsh"
  # Without --version the tool feed offers 7.7.0, which does not start here.
  dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$tools/pwsh" >/dev/null
fi
pester="$tools/packages/pester/$pester_version/tools/Pester.psd1"
if [ ! -f "$pester" ]; then
  dotnet restore tools/pester/Pester.proj --packages "$tools/packages" >/dev/null
fi
echo "test: pwsh $("$pwsh" -NoProfile -Command '$PSVersionTable.PSVersion.ToString()') at $pwsh, Pester $pester_version"

# build.ps1: build, assemble out/CertHeal, publish the native certheal (out/native), dotnet test
# (every xunit suite, then the real-process CLI tests against the native certheal), then Pester.
CERTHEAL_PESTER="$pester" CERTHEAL_PWSH="$pwsh" "$pwsh" -NoProfile -NonInteractive -File ./build.ps1 -Configuration Debug -Native

# The Gallery round trip: package, publish to a local repository, install into a fresh HOME, use, update, uninstall.
"$pwsh" -NoProfile -NonInteractive -File ./tools/GalleryRoundTrip.ps1
