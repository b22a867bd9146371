#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Issue #23: CertHeal through the engine ops teams use to reach many hosts, PowerShell remoting
# over SSH. tests/Fleet/FleetLab.ps1 starts the hosts (each its own 127.0.0.N, sshd, /root and
# /etc/ssl/certs; CertHeal installed through PSResourceGet in each host's session); the README's
# "Fleets" workflow then runs against a loopback TLS server whose chain ends in a lab root that
# no host's OS bundle holds. Needs Linux, root, sshd and ssh: elsewhere every test says Skipped
# with the reason.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    . (Join-Path $PSScriptRoot 'Fleet/FleetLab.ps1')
    $fleetSkip = Get-FleetLabUnavailableReason
    $modulePath = Join-Path $PSScriptRoot '../out/CertHeal'
    if (-not $fleetSkip -and -not (Test-Path (Join-Path $modulePath 'CertHeal.psd1'))) { $fleetSkip = 'out/CertHeal is not built (./build.ps1 -SkipTests)' }
    if ($fleetSkip) { return }

    Import-Module (Join-Path $modulePath 'CertHeal.psd1') -Force
    $bundle = '/etc/ssl/certs/ca-certificates.crt'   # the path on every host; each host sees its own file
    $throttle = 4
    $tls = Start-CertHealLab -Scenario UntrustedRoot
    $endpoint = $tls.Target('UntrustedRoot')
    $fingerprint = $tls.UntrustedRootFingerprint
    # The chain as this (controlling) machine sees it: leaf, intermediate, and the lab root the
    # server sends. The already-healed host holds what a heal adds: the root and the intermediate.
    $localChain = @(Get-ServerCertificateChain $endpoint -TimeoutSec 20)
    $healedPem = Join-Path $tls.Folder 'already-healed.pem'
    ($localChain | Where-Object Role -NE 'Leaf' | ForEach-Object { $_.Pem.Trim() }) -join "`n" | Set-Content -LiteralPath $healedPem

    # 9 addresses: 8 hosts with their own sshd (5 Unhealed, Healed, Locked, NoModule) and one Unreachable.
    $lab = Start-FleetLab -Count 9 -HealedRootPem $healedPem
    $ssh = $lab.Ssh
    $fleet = @($lab.Hosts | ForEach-Object Address)                      # every address, the unreachable one included
    $byRole = @{}
    foreach ($role in 'Unhealed', 'Healed', 'Locked', 'NoModule', 'Unreachable') { $byRole[$role] = @($lab.Host($role) | ForEach-Object Address) }  # not .Address: an array's Address() method shadows it
    $sessions = @(New-PSSession -HostName $lab.Reachable @ssh)
    $installed = @(Install-FleetModule -Lab $lab -Session @($sessions | Where-Object ComputerName -NotIn $byRole.NoModule) -ModulePath (Resolve-Path $modulePath).Path)

    # The bundle's SHA-256 on each host, read in the host's own session (its /etc/ssl/certs).
    function Get-FleetBundleHash {
        $hashes = @{}
        Invoke-Command -Session $sessions -ThrottleLimit $throttle { (Get-FileHash -LiteralPath $using:bundle -Algorithm SHA256).Hash } |
            ForEach-Object { $hashes[$_.PSComputerName] = [string]$_ }
        $hashes
    }
    function Get-ErrorHost($ErrorRecord) {
        if ($ErrorRecord.OriginInfo) { $ErrorRecord.OriginInfo.PSComputerName } else { [string]$ErrorRecord.TargetObject }
    }
}

AfterAll {
    if ($sessions) { $sessions | Remove-PSSession -ErrorAction SilentlyContinue }
    if ($lab) { Stop-FleetLab -Lab $lab }
    if ($tls) { Stop-CertHealLab -Lab $tls }
}

Describe 'A fleet over PowerShell remoting (SSH)' {
    It 'installs CertHeal on every host but the one left without it, through PSResourceGet' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        @($lab.Hosts | Where-Object Role -NE Unreachable).Count | Should -BeGreaterOrEqual 8
        @($installed.PSComputerName | Sort-Object) | Should -Be @($byRole.Unhealed + $byRole.Healed + $byRole.Locked | Sort-Object)
        $installed.Path | ForEach-Object { $_ | Should -BeLike '/root/.local/share/powershell/Modules/CertHeal/*' }
        Get-Content $lab.Inventory | Should -Contain "$($byRole.Unreachable[0]) certheal_role=Unreachable"
    }

    It '(a) finds the hosts that fail: Invoke-Command -HostName over the whole fleet, one error per host that cannot answer' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $results = @(Invoke-Command -HostName $fleet @ssh { Test-TlsHandshake $using:endpoint -TimeoutSec 20 } -ErrorVariable probeErrors -ErrorAction SilentlyContinue 2>$null)
        $script:before = @{}
        foreach ($result in $results) { $script:before[$result.PSComputerName] = $result }
        $groups = $results | Group-Object Failure
        @(($groups | Where-Object Name -EQ 'UntrustedRoot').Group.PSComputerName | Sort-Object) | Should -Be @($byRole.Unhealed + $byRole.Locked | Sort-Object)
        @(($groups | Where-Object Name -EQ 'None').Group.PSComputerName) | Should -Be $byRole.Healed
        foreach ($result in $results | Where-Object Failure -EQ 'UntrustedRoot') {
            $result.Healable | Should -BeTrue
            $result.Recommendation | Should -BeLike "*-TrustedFingerprint '$fingerprint'*"
        }
        # The unreachable host and the host without the module: one error each, naming it; the others finished.
        @($probeErrors | ForEach-Object { Get-ErrorHost $_ } | Sort-Object) | Should -Be @($byRole.Unreachable + $byRole.NoModule | Sort-Object)
        ($probeErrors | Where-Object { (Get-ErrorHost $_) -eq $byRole.NoModule[0] }).FullyQualifiedErrorId | Should -Be 'CommandNotFoundException'
        ($probeErrors | Where-Object { (Get-ErrorHost $_) -eq $byRole.Unreachable[0] }).FullyQualifiedErrorId | Should -Be 'PSSessionStateBroken'
    }

    It '(b) heals under a pinned policy: -WhatIf first writes nothing on any host (SHA-256 of every bundle unchanged)' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $hashes = Get-FleetBundleHash
        $planned = @(Invoke-Command -Session $sessions -ThrottleLimit $throttle {
                Get-ServerCertificateChain $using:endpoint -TimeoutSec 20 |
                    Merge-Keystore -Path $using:bundle -TrustPolicy Pinned -TrustedFingerprint $using:fingerprint -WhatIf
            } -ErrorAction SilentlyContinue 2>$null)
        (Get-FleetBundleHash).GetEnumerator() | ForEach-Object { $_.Value | Should -Be $hashes[$_.Key] -Because "-WhatIf wrote nothing on $($_.Key)" }
        foreach ($change in $planned) {
            # WhatIf says a change was held back; a merge with nothing to change has none to hold back.
            $change.WhatIf | Should -Be ($change.Added -gt 0) -Because $change.PSComputerName
            $change.Written | Should -BeFalse
        }
        @($planned | Where-Object Added -GT 0 | ForEach-Object PSComputerName | Sort-Object) | Should -Be @($byRole.Unhealed + $byRole.Locked | Sort-Object)
        ($planned | Where-Object PSComputerName -EQ $byRole.Healed[0]).Added | Should -Be 0
    }

    It '(b) heals for real (-Confirm:$false): unhealed hosts written, the healed one untouched, the locked one an error for itself only' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $hashes = Get-FleetBundleHash
        $changes = @(Invoke-Command -Session $sessions -ThrottleLimit $throttle {
                Get-ServerCertificateChain $using:endpoint -TimeoutSec 20 |
                    Merge-Keystore -Path $using:bundle -TrustPolicy Pinned -TrustedFingerprint $using:fingerprint -Confirm:$false
            } -ErrorVariable healErrors -ErrorAction SilentlyContinue 2>$null)
        $script:healed = @{}
        foreach ($change in $changes) { $script:healed[$change.PSComputerName] = $change }
        $after = Get-FleetBundleHash
        foreach ($address in $byRole.Unhealed) {
            $healed[$address].Written | Should -BeTrue
            $healed[$address].Added | Should -Be 2 -Because 'the pinned root and its intermediate go in'
            $healed[$address].BackupPath | Should -Be "$bundle.bak"
            $after[$address] | Should -Not -Be $hashes[$address]
        }
        $healed[$byRole.Healed[0]].Written | Should -BeFalse
        $after[$byRole.Healed[0]] | Should -Be $hashes[$byRole.Healed[0]]
        $after[$byRole.Locked[0]] | Should -Be $hashes[$byRole.Locked[0]]
        $healed.ContainsKey($byRole.Locked[0]) | Should -BeFalse
        # CertHeal's ErrorId and category arrive through remoting, tagged with the host.
        $locked = @($healErrors | Where-Object { (Get-ErrorHost $_) -eq $byRole.Locked[0] })
        $locked.Count | Should -Be 1
        $locked[0].FullyQualifiedErrorId | Should -Be 'CertHeal.KeystoreReadOnly,CertHeal.Commands.MergeKeystoreCommand'
        $locked[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $locked[0].Exception.Message | Should -BeLike "*'$bundle' is read-only*"
        @($healErrors | ForEach-Object { Get-ErrorHost $_ } | Sort-Object) | Should -Be @($byRole.Locked + $byRole.NoModule | Sort-Object)
    }

    It 'the endpoint handshakes from each healed host afterwards (Test-TlsHandshake in a new session, and curl there)' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $checks = @(Invoke-Command -HostName @($byRole.Unhealed + $byRole.Healed + $byRole.Locked) @ssh {
                $probe = Test-TlsHandshake $using:endpoint -TimeoutSec 20
                $curl = & curl -sS -v -o /dev/null --max-time 20 "https://$using:endpoint/" 2>&1 | Out-String
                [pscustomobject]@{ Succeeded = $probe.Succeeded; Failure = [string]$probe.Failure; CurlVerified = $curl -match 'SSL certificate verify ok' }
            })
        foreach ($check in $checks) {
            $expected = $check.PSComputerName -notin $byRole.Locked
            $check.Succeeded | Should -Be $expected -Because "$($check.PSComputerName) ($($check.Failure))"
            $check.CurlVerified | Should -Be $expected -Because "curl on $($check.PSComputerName) reads the same bundle"
        }
    }

    It 'the endpoint handshakes in the same session that healed the bundle (the system roots are read again after a change)' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $again = @(Invoke-Command -Session @($sessions | Where-Object ComputerName -In $byRole.Unhealed) -ThrottleLimit $throttle { Test-TlsHandshake $using:endpoint -TimeoutSec 20 })
        $again.Count | Should -Be $byRole.Unhealed.Count
        $again | ForEach-Object { $_.Failure | Should -Be 'None' -Because "$($_.PSComputerName): $($_.Reason)" }
    }

    It '(c) audits drift with Confirm-Keystore -Ledger: a bundle an upgrade replaced lacks the healed entries, and Sync-Keystore restores them' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $upgraded = $byRole.Unhealed[0]
        # update-ca-certificates regenerating the bundle: the pre-heal version comes back.
        Invoke-Command -Session ($sessions | Where-Object ComputerName -EQ $upgraded) { Copy-Item -LiteralPath "$using:bundle.bak" -Destination $using:bundle -Force }
        $reports = @(Invoke-Command -Session @($sessions | Where-Object ComputerName -In $byRole.Unhealed) -ThrottleLimit $throttle { Confirm-Keystore -Path $using:bundle -Ledger })
        $script:audit = @{}
        foreach ($report in $reports) { $script:audit[$report.PSComputerName] = $report }
        @($audit[$upgraded].Findings | Where-Object Code -EQ 'LedgerDrift').Count | Should -Be 2
        foreach ($address in $byRole.Unhealed | Where-Object { $_ -ne $upgraded }) {
            @($audit[$address].Findings | Where-Object Code -EQ 'LedgerDrift').Count | Should -Be 0 -Because "$address keeps its healed entries"
        }
        $synced = Invoke-Command -Session ($sessions | Where-Object ComputerName -EQ $upgraded) { Sync-Keystore -Path $using:bundle -Confirm:$false }
        $synced.Added | Should -Be 2
        $recheck = Invoke-Command -Session ($sessions | Where-Object ComputerName -EQ $upgraded) { Confirm-Keystore -Path $using:bundle -Ledger }
        @($recheck.Findings | Where-Object Code -EQ 'LedgerDrift').Count | Should -Be 0
    }

    It '(d) exports one fleet report (CSV and JSON), one row per host, errors included' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $rows = foreach ($hostInfo in $lab.Hosts) {
            $probe = $before[$hostInfo.Address]
            $change = $healed[$hostInfo.Address]
            [pscustomobject]@{
                Host    = $hostInfo.Address
                Before  = if ($probe) { [string]$probe.Failure } else { $null }
                Added   = if ($change) { $change.Added } else { $null }
                Written = if ($change) { $change.Written } else { $null }
                Drift   = if ($audit[$hostInfo.Address]) { @($audit[$hostInfo.Address].Findings | Where-Object Code -EQ 'LedgerDrift').Count } else { $null }
                Error   = if (-not $probe) { 'unreachable or CertHeal missing' } elseif (-not $change -and $probe.Failure -ne 'None') { 'not healed' } else { $null }
            }
        }
        $csv = Join-Path $TestDrive 'fleet.csv'
        $json = Join-Path $TestDrive 'fleet.json'
        $rows | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows | ConvertTo-Json | Set-Content -LiteralPath $json
        $read = @(Import-Csv -LiteralPath $csv)
        $read.Count | Should -Be $lab.Hosts.Count
        ($read | Where-Object Host -EQ $byRole.Unreachable[0]).Error | Should -Not -BeNullOrEmpty
        ($read | Where-Object Host -EQ $byRole.Locked[0]).Error | Should -Be 'not healed'
        @((Get-Content -LiteralPath $json -Raw | ConvertFrom-Json) | Where-Object Written -EQ $true).Count | Should -Be $byRole.Unhealed.Count
    }

    It 'a deserialized ChainCertificate (local or remote Get-ServerCertificateChain) pipes into a remote Merge-Keystore' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $target = $sessions | Where-Object ComputerName -EQ $byRole.Unhealed[1]
        $remoteChain = @(Invoke-Command -Session ($sessions | Where-Object ComputerName -EQ $byRole.Unhealed[2]) { Get-ServerCertificateChain $using:endpoint -TimeoutSec 20 })
        $remoteChain[0].PSTypeNames[0] | Should -Be 'Deserialized.CertHeal.ChainCertificate'
        $viaUsing = Invoke-Command -Session $target { $using:remoteChain | Merge-Keystore -Path /root/app/using.pem -TrustPolicy Pinned -TrustedFingerprint $using:fingerprint -Confirm:$false }
        $viaArgument = Invoke-Command -Session $target -ArgumentList (, $localChain) {
            param($Chain)
            $Chain | Merge-Keystore -Path /root/app/argument.pem -TrustPolicy Pinned -TrustedFingerprint $using:fingerprint -Confirm:$false
        }
        foreach ($change in $viaUsing, $viaArgument) {
            $change.Written | Should -BeTrue
            $change.Added | Should -Be 2
        }
        # Written in that host's own /root (its HOME), not this machine's.
        Test-Path (Join-Path ($lab.Hosts | Where-Object Address -EQ $byRole.Unhealed[1]).Home 'app/using.pem') | Should -BeTrue
    }

    It 'CertHeal''s ErrorIds arrive remotely in FullyQualifiedErrorId' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $null = Invoke-Command -Session $sessions[0] { Test-TlsHandshake 'https://[bad' } -ErrorVariable remoteErrors -ErrorAction SilentlyContinue 2>$null
        $remoteErrors[0].FullyQualifiedErrorId | Should -BeLike 'CertHeal.InvalidTarget,*'
        { Invoke-Command -Session $sessions[0] { Confirm-Keystore -Path /root/none.jks -ErrorAction Stop } -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.KeystoreNotFound,CertHeal.Commands.ConfirmKeystoreCommand'
    }

    It 'remote progress records reach this host (-AsJob: ChildJobs.Progress of a multi-target Test-TlsHandshake)' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $job = Invoke-Command -Session @($sessions | Where-Object ComputerName -In $byRole.Unhealed | Select-Object -First 2) -AsJob {
            Test-TlsHandshake @($using:endpoint, $using:endpoint, $using:endpoint) -TimeoutSec 20
        }
        try {
            $null = Wait-Job $job -Timeout 120
            $job.State | Should -Be 'Completed'
            foreach ($child in $job.ChildJobs) {
                $progress = @($child.Progress | Where-Object Activity -EQ 'Test-TlsHandshake')
                $progress.Count | Should -BeGreaterOrEqual 3 -Because "progress from $($child.Location)"
                $progress[-1].PercentComplete | Should -Be 100
            }
            @(Receive-Job $job).Count | Should -Be 6
        }
        finally { Remove-Job $job -Force }
    }

    It 'every output type survives deserialization: typed, PSComputerName added, each CLIXML under 64 KB' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $outputs = @(Invoke-Command -Session ($sessions | Where-Object ComputerName -EQ $byRole.Unhealed[1]) {
                Test-TlsHandshake $using:endpoint -TimeoutSec 20
                Get-ServerCertificateChain $using:endpoint -TimeoutSec 20 | Select-Object -First 1
                Get-ServerCertificateChain $using:endpoint -TimeoutSec 20 | Merge-Keystore -Path /root/app/types.pem -TrustPolicy Pinned -TrustedFingerprint $using:fingerprint -Confirm:$false
                Confirm-Keystore -Path /root/app/types.pem -Uri $using:endpoint
                Find-Keystore -Path /root/app | Where-Object Path -EQ /root/app/types.pem
                Invoke-HealedRequest "https://$using:endpoint/" -Keystore /root/app/types.pem -TimeoutSec 20
            })
        $types = 'HandshakeResult', 'ChainCertificate', 'KeystoreChange', 'KeystoreReport', 'KeystoreLocation', 'HealedResponse'
        @($outputs | ForEach-Object { $_.PSTypeNames[0] }) | Should -Be @($types | ForEach-Object { "Deserialized.CertHeal.$_" })
        foreach ($output in $outputs) {
            $output.PSComputerName | Should -Be $byRole.Unhealed[1]
            [System.Management.Automation.PSSerializer]::Serialize($output).Length | Should -BeLessThan 64KB -Because $output.PSTypeNames[0]
        }
        # Nested objects keep their properties (CertHeal.Types.ps1xml), enums travel by name.
        $outputs[0].PresentedChain[0].Pem | Should -BeLike '-----BEGIN CERTIFICATE-----*'
        $outputs[0].PresentedChain[0].Role | Should -Be 'Leaf'
        $outputs[0].Succeeded | Should -BeTrue
        $outputs[0].Failure -eq 'None' | Should -BeTrue
        @($outputs[0].ClientVerdicts | Where-Object Accepts).Count | Should -Be 4
        @($outputs[0].PresentedChain | Merge-Keystore -Path (Join-Path $TestDrive 'from-remote-probe.pem') -TrustPolicy Pinned -TrustedFingerprint $fingerprint -Confirm:$false).Added | Should -Be 2
        $outputs[1].Pem | Should -BeLike '-----BEGIN CERTIFICATE-----*'
        $outputs[2].Entries.Count | Should -Be 3
        @($outputs[2].Entries | Where-Object Action -EQ 'Added').Count | Should -Be 2
        $outputs[3].IsValid | Should -BeTrue
        $outputs[4].Path | Should -Be '/root/app/types.pem'
        $outputs[5].StatusCode | Should -Be 200
    }
}

Describe 'The README''s Fleets workflow, as written' {
    It 'runs against the lab and writes one report row per host' {
        if ($fleetSkip) { Set-ItResult -Skipped -Because $fleetSkip; return }
        $readme = Get-Content -LiteralPath (Join-Path $PSScriptRoot '../README.md') -Raw
        $section = $readme.Substring($readme.IndexOf('## Fleets'))
        $code = [regex]::Match($section, '(?s)```powershell\r?\n(.*?)```').Groups[1].Value
        # The README's own values for the fleet, the key, the endpoint and the fingerprint give way to the lab's.
        $code = ($code -split '\r?\n' | Where-Object { $_ -notmatch '^\$(fleet|ssh|endpoint|fingerprint)\s+=' }) -join "`n"
        $code | Should -Match 'Invoke-Command -Session \$sessions -ThrottleLimit'
        Push-Location $TestDrive
        try { & ([scriptblock]::Create($code)) 2>$null }
        finally { Pop-Location }
        $rows = @(Import-Csv (Join-Path $TestDrive 'fleet-heal.csv'))
        @($rows.Host | Sort-Object -Unique) | Should -Be @($fleet | Sort-Object)
        ($rows | Where-Object Host -EQ $byRole.Locked[0]).Error | Should -BeLike 'CertHeal.KeystoreReadOnly,*'
        ($rows | Where-Object Host -EQ $byRole.NoModule[0]).Error | Should -BeLike 'CommandNotFoundException*'
        @($rows | Where-Object Host -EQ $byRole.Unreachable[0]).Count | Should -BeGreaterOrEqual 1
        Test-Path (Join-Path $TestDrive 'fleet-heal.json') | Should -BeTrue
    }
}

Describe 'The machine''s roots in a long-lived session' {
    BeforeAll {
        $rootsSkip = if (-not $IsLinux) { 'SSL_CERT_FILE and SSL_CERT_DIR name the machine''s roots on Linux only' }
        elseif (-not (Test-Path /etc/ssl/certs/ca-certificates.crt)) { 'no /etc/ssl/certs/ca-certificates.crt to copy' }
        elseif (-not (Test-Path (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1'))) { 'out/CertHeal is not built (./build.ps1 -SkipTests)' }
        if ($rootsSkip) { return }
        $rootsLab = Start-CertHealLab -Scenario UntrustedRoot
    }
    AfterAll { if ($rootsLab) { Stop-CertHealLab -Lab $rootsLab } }

    It 'a heal of the OS bundle is seen by the next handshake in the same process (no restart)' {
        if ($rootsSkip) { Set-ItResult -Skipped -Because $rootsSkip; return }
        # A copy of the OS bundle stands for the machine's store (SSL_CERT_FILE/SSL_CERT_DIR, as .NET,
        # OpenSSL and curl read them), healed and probed again by one pwsh, as a remoting session does.
        $certs = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'machine-certs') -Force
        $copy = Join-Path $certs 'ca-certificates.crt'
        Copy-Item -LiteralPath /etc/ssl/certs/ca-certificates.crt -Destination $copy
        $script = {
            param($Module, $Endpoint, $Fingerprint, $Bundle)
            Import-Module $Module
            $before = (Test-TlsHandshake $Endpoint -TimeoutSec 20).Failure
            $change = Get-ServerCertificateChain $Endpoint -TimeoutSec 20 | Merge-Keystore -Path $Bundle -TrustPolicy Pinned -TrustedFingerprint $Fingerprint -Confirm:$false
            $after = (Test-TlsHandshake $Endpoint -TimeoutSec 20).Failure
            "$before,$($change.Written),$after"
        }
        $saved = $env:SSL_CERT_FILE, $env:SSL_CERT_DIR
        try {
            $env:SSL_CERT_FILE = $copy
            $env:SSL_CERT_DIR = $certs.FullName
            $output = & (Get-FleetPwsh) -NoProfile -NonInteractive -Command $script -args (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1'), $rootsLab.Target('UntrustedRoot'), $rootsLab.UntrustedRootFingerprint, $copy
        }
        finally { $env:SSL_CERT_FILE, $env:SSL_CERT_DIR = $saved }
        $output | Should -Be 'UntrustedRoot,True,None'
    }
}
