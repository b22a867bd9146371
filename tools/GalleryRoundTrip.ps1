#Requires -Version 7.4
<#
.SYNOPSIS
    The PowerShell Gallery round trip, offline: build.ps1 -Package publishes out/CertHeal to a
    local file repository; this installs CertHeal by name into a fresh HOME, imports it by name,
    runs a short tour, publishes a newer build, updates to it, and uninstalls.
#>
[CmdletBinding()]
param()
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$PSNativeCommandUseErrorActionPreference = $true

$root = Split-Path $PSScriptRoot
$work = Join-Path ([System.IO.Path]::GetTempPath()) "certheal-gallery-$PID"
$repo = Join-Path $work 'repo'
$home2 = Join-Path $work 'home'
New-Item -ItemType Directory -Path $repo, $home2 -Force | Out-Null
try {
    & (Join-Path $root 'build.ps1') -Configuration Debug -SkipTests -Package | Out-Host
    $built = Get-ChildItem (Join-Path $root 'out/repo') -Filter 'CertHeal.*.nupkg' | Select-Object -First 1
    Copy-Item $built.FullName $repo
    $version = (Import-PowerShellDataFile (Join-Path $root 'out/CertHeal/CertHeal.psd1')).ModuleVersion

    # A newer build of the same module for Update-PSResource: the manifest's version, one patch up.
    $next = [version]$version
    $next = [version]::new($next.Major, $next.Minor, [Math]::Max(0, $next.Build) + 1)
    $staging = Join-Path $work 'CertHeal'
    Copy-Item (Join-Path $root 'out/CertHeal') $staging -Recurse
    $psd1 = Join-Path $staging 'CertHeal.psd1'
    (Get-Content $psd1 -Raw).Replace("ModuleVersion        = '$version'", "ModuleVersion        = '$next'") | Set-Content $psd1

    # Everything user-level happens in a child pwsh with its own HOME, so nothing here changes the machine's modules.
    $script = {
        param($Repo, $Staging, $Version, $Next)
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name CertHealRoundTrip -Uri $Repo -Trusted
        Install-PSResource -Name CertHeal -Repository CertHealRoundTrip -Scope CurrentUser -TrustRepository
        Import-Module CertHeal
        $module = Get-Module CertHeal
        if ($module.Version -ne [version]$Version) { throw "Imported $($module.Version), expected $Version." }
        # The tour: a closed port is a result, not an error; a chain file merges into a PEM store.
        $result = Test-TlsHandshake -Target '127.0.0.1' -Port 9 -TimeoutSec 5
        if ($result.Failure -ne 'ConnectionRefused') { throw "Test-TlsHandshake said $($result.Failure) for a closed port." }
        Write-Host "tour: Test-TlsHandshake 127.0.0.1:9 -> $($result.Failure)"
        Remove-Module CertHeal
        Publish-PSResource -Path $Staging -Repository CertHealRoundTrip
        Update-PSResource -Name CertHeal -Repository CertHealRoundTrip -Scope CurrentUser -TrustRepository
        $installed = @(Get-InstalledPSResource -Name CertHeal -Scope CurrentUser | ForEach-Object { $_.Version.ToString() })
        if ($installed -notcontains $Next) { throw "Update-PSResource did not install $Next (installed: $($installed -join ', '))." }
        Uninstall-PSResource -Name CertHeal -Scope CurrentUser -Version '*'
        if (Get-InstalledPSResource -Name CertHeal -Scope CurrentUser -ErrorAction SilentlyContinue) { throw 'Uninstall-PSResource left CertHeal installed.' }
        Write-Host "Gallery round trip: installed $Version, updated to $Next, uninstalled."
    }
    $pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $env:HOME = $home2
    $env:PSModulePath = ''
    & $pwsh -NoProfile -NonInteractive -Command $script -args $repo, $staging, $version, $next.ToString()
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
