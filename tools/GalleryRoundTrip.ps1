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
        param($Repo, $Staging, $Version, $Next, $Helpers, $Work)
        $ErrorActionPreference = 'Stop'
        Register-PSResourceRepository -Name CertHealRoundTrip -Uri $Repo -Trusted
        Install-PSResource -Name CertHeal -Repository CertHealRoundTrip -Scope CurrentUser -TrustRepository
        Import-Module CertHeal
        $module = Get-Module CertHeal
        if ($module.Version -ne [version]$Version) { throw "Imported $($module.Version), expected $Version." }
        # The README's PowerShell tour against the lab (a real loopback server sending only its
        # leaf, its issuer served by AIA); the lab root stands for the machine's roots.
        . $Helpers
        $lab = Start-CertHealLab -Scenario LeafOnlyWithAia
        try {
            $env:SSL_CERT_FILE = $lab.TrustedRootPem
            $target = "127.0.0.1:$($lab.Ports['LeafOnlyWithAia'])"
            $store = Join-Path $Work 'truststore.jks'
            $pw = ConvertTo-SecureString 'changeit' -AsPlainText -Force
            $probe = Test-TlsHandshake $target
            if ($probe.Failure -ne 'IncompleteChain' -or -not $probe.Healable) { throw "tour: Test-TlsHandshake said $($probe.Failure): $($probe.Reason)" }
            $null = Merge-Keystore -Path $store -Password $pw -Certificate $lab.TrustedRootPem -TrustPolicy Pinned -TrustedFingerprint $lab.TrustedRootFingerprint
            $healed = Get-ServerCertificateChain $target | Merge-Keystore -Path $store -Password $pw
            if (-not $healed.Written -or $healed.Added -lt 1) { throw "tour: Merge-Keystore wrote nothing: $($healed.Entries.Reason -join '; ')" }
            $report = Confirm-Keystore -Path $store -Password $pw -Uri $target -ExpiringWithin 30
            if (-not $report.IsValid) { throw "tour: Confirm-Keystore found the store invalid: $($report.Findings.Message -join '; ')" }
            $found = @(Find-Keystore -Path $Work | Where-Object Path -EQ $store)
            if ($found.Count -ne 1) { throw 'tour: Find-Keystore did not find the healed store.' }
            Write-Host "tour: $target $($probe.Failure) -> healed ($($healed.Added) added), confirmed, found"
        }
        finally { $lab.Stop() }
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
    $env:CERTHEAL_LEDGER = Join-Path $work 'ledger.json'
    & $pwsh -NoProfile -NonInteractive -Command $script -args $repo, $staging, $version, $next.ToString(), (Join-Path $root 'tests/TestHelpers.ps1'), $work
}
finally {
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
