<#
.SYNOPSIS
    The fleet figures of tools/benchmark.sh (section "fleet"): one fleet lab (FleetLab.ps1), CertHeal
    installed on its hosts through PSResourceGet, then the README's Fleets workflow (Test-TlsHandshake,
    then Get-ServerCertificateChain | Merge-Keystore -WhatIf under a pinned root) run twice against the
    same hosts, each time by a fresh controlling pwsh:
      sequential: one `Invoke-Command -HostName <host>` after the other;
      throttled:  `New-PSSession -HostName <all>`, `Invoke-Command -Session ... -ThrottleLimit N`.
    Prints one line: hosts=.. throttle=.. sequential-ms=.. sequential-mb=.. throttled-ms=.. throttled-mb=..
    (wall time of each controlling pwsh, and its peak resident memory, VmHWM, as it reports it).
    Only the hosts with CertHeal and a writable bundle (the lab's Unhealed and Healed roles) take part.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Target,
    [Parameter(Mandatory)] [string] $Fingerprint,
    [Parameter(Mandatory)] [string] $ModulePath,
    [int] $Count = 8,
    [int] $ThrottleLimit = 4
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'FleetLab.ps1')
# Count + 3: the lab's Locked, NoModule and Unreachable hosts stand aside here.
$lab = Start-FleetLab -Count ($Count + 3)
$sessions = $null
try {
    $hosts = @($lab.Hosts | Where-Object Role -In 'Unhealed', 'Healed' | ForEach-Object Address)
    $ssh = $lab.Ssh
    $sessions = @(New-PSSession -HostName $hosts @ssh)
    $null = Install-FleetModule -Lab $lab -Session $sessions -ModulePath $ModulePath
    $sessions | Remove-PSSession
    $sessions = $null

    $workflow = {
        param($Hosts, $Ssh, $Target, $Fingerprint, $Mode, $ThrottleLimit)
        $ErrorActionPreference = 'Stop'
        $run = {
            Test-TlsHandshake $using:Target -TimeoutSec 20 | Out-Null
            Get-ServerCertificateChain $using:Target -TimeoutSec 20 |
                Merge-Keystore -Path /etc/ssl/certs/ca-certificates.crt -TrustPolicy Pinned -TrustedFingerprint $using:Fingerprint -WhatIf
        }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $changes = if ($Mode -eq 'sequential') {
            foreach ($address in $Hosts) { Invoke-Command -HostName $address @Ssh $run }
        }
        else {
            $sessions = New-PSSession -HostName $Hosts @Ssh
            try { Invoke-Command -Session $sessions -ThrottleLimit $ThrottleLimit $run }
            finally { $sessions | Remove-PSSession }
        }
        if (@($changes).Count -ne $Hosts.Count) { throw "$Mode run: $(@($changes).Count) of $($Hosts.Count) hosts answered." }
        $peak = ((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -split '\s+')[1]
        "ms=$([int]$clock.Elapsed.TotalMilliseconds) kb=$peak"
    }
    $figures = [ordered]@{ hosts = $hosts.Count; throttle = $ThrottleLimit }
    foreach ($mode in 'sequential', 'throttled') {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $line = & $lab.Pwsh -NoProfile -NonInteractive -Command $workflow -args $hosts, $ssh, $Target, $Fingerprint, $mode, $ThrottleLimit | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0 -or $line -notmatch 'kb=(\d+)') { throw "The $mode fleet run failed (exit code $LASTEXITCODE): $line" }
        # Wall time of the whole controlling pwsh (its start included), as a user's script pays it.
        $figures["$mode-ms"] = [int]$clock.Elapsed.TotalMilliseconds
        $figures["$mode-mb"] = [int]([long]$Matches[1] / 1024)
    }
    ($figures.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ' '
}
finally {
    if ($sessions) { $sessions | Remove-PSSession }
    Stop-FleetLab -Lab $lab
}
