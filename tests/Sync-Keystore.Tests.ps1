#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Sync-Keystore re-applies the trust ledger after an upgrade replaced a store with the vendor's
# copy. Each case heals a TestDrive: store from a real lab server (a leaf-only server whose
# intermediate comes from AIA), "upgrades" it by copying the shipped store back, then syncs.
# CERTHEAL_LEDGER points at TestDrive:, so the cmdlets' default ledger is the test's own.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    $savedLedger = $env:CERTHEAL_LEDGER
    $env:CERTHEAL_LEDGER = Join-Path $TestDrive 'default-ledger.json'

    $lab = Start-CertHealLab -Scenario LeafOnlyWithAia
    $target = $lab.Target('LeafOnlyWithAia')
    # The store as the vendor ships it: trusts the lab root, lacks the server's intermediate.
    $shipped = Join-Path $TestDrive 'shipped.pem'
    Copy-Item -LiteralPath $lab.TrustedRootPem -Destination $shipped

    # Heals a new store (recording into -LedgerPath, or the default ledger), then replaces it
    # with the shipped copy as an upgrade would. Returns the store's path.
    function New-UpgradedStore([string] $LedgerPath) {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))) -Force
        $store = Join-Path $folder 'cacerts.pem'
        Copy-Item -LiteralPath $shipped -Destination $store
        $merge = @{ Path = $store; ErrorAction = 'Stop' }
        if ($LedgerPath) { $merge.LedgerPath = $LedgerPath }
        $healed = Get-ServerCertificateChain $target -Keystore $store -TimeoutSec 10 | Merge-Keystore @merge
        if ($healed.Added -ne 1) { throw "The heal added $($healed.Added) certificates, not 1." }
        Copy-Item -LiteralPath $shipped -Destination $store -Force  # the upgrade
        $store
    }
}

AfterAll {
    Stop-CertHealLab $lab
    $env:CERTHEAL_LEDGER = $savedLedger
}

Describe 'Sync-Keystore' {
    It 'is exported with help that has examples' {
        Get-Command Sync-Keystore -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Sync-Keystore -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    It 'the upgrade really lost the heal: the handshake fails and Confirm-Keystore -Ledger reports the drift' {
        $store = New-UpgradedStore
        (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Failure | Should -Be 'IncompleteChain'
        $report = Confirm-Keystore -Path $store -Ledger
        $finding = $report.Findings | Where-Object Code -eq 'LedgerDrift'
        $finding | Should -Not -BeNullOrEmpty
        $finding.Message | Should -Match ([regex]::Escape($target))
    }

    It 'with -WhatIf shows the plan and leaves the file byte for byte as it was' {
        $store = New-UpgradedStore
        $hash = (Get-FileHash -LiteralPath $store).Hash
        $plan = Sync-Keystore $store -WhatIf
        $plan | Should -BeOfType ([CertHeal.KeystoreChange])
        $plan.WhatIf | Should -BeTrue
        $plan.Written | Should -BeFalse
        $plan.Added | Should -Be 1
        (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
    }

    It 're-applies the heal from the default ledger (CERTHEAL_LEDGER), then the handshake succeeds' {
        $store = New-UpgradedStore
        $change = Sync-Keystore $store
        $change.Written | Should -BeTrue
        $change.Added | Should -Be 1
        (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
    }

    It 'a second sync writes nothing' {
        $store = New-UpgradedStore
        $null = Sync-Keystore $store
        $hash = (Get-FileHash -LiteralPath $store).Hash
        $again = Sync-Keystore $store
        $again.Written | Should -BeFalse
        $again.Added | Should -Be 0
        (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
    }

    It 'takes the stores from Find-Keystore by property name, with a ledger kept with the app (-LedgerPath)' {
        $ledger = Join-Path $TestDrive 'app-ledger.json'
        $store = New-UpgradedStore -LedgerPath $ledger
        $changes = @(Find-Keystore -Path (Split-Path $store) | Sync-Keystore -LedgerPath $ledger)
        $changes.Count | Should -Be 1
        $changes[0].Path | Should -Be $store
        $changes[0].Added | Should -Be 1
        (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
    }

    It 'adds a recorded intermediate only where it chains to a root the store trusts' {
        # The ledger's entries apply to any store given, but an intermediate goes in only where
        # it chains: a store trusting some other private root is left as it was.
        $null = New-UpgradedStore  # the default ledger now records the lab intermediate
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=Other Private Root', $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $other = Join-Path $TestDrive 'other-root.pem'
        Set-Content -LiteralPath $other -Value $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddDays(30)).ExportCertificatePem()
        $hash = (Get-FileHash -LiteralPath $other).Hash
        $change = Sync-Keystore -LiteralPath $other -ErrorAction Stop
        $change.Written | Should -BeFalse
        $change.Added | Should -Be 0
        (Get-FileHash -LiteralPath $other).Hash | Should -Be $hash
    }

    It 'with an empty ledger changes nothing' {
        $store = Join-Path $TestDrive 'no-ledger.pem'
        Copy-Item -LiteralPath $shipped -Destination $store
        $hash = (Get-FileHash -LiteralPath $store).Hash
        $change = Sync-Keystore $store -LedgerPath (Join-Path $TestDrive 'empty-ledger.json') -ErrorAction Stop
        $change.Written | Should -BeFalse
        $change.Added | Should -Be 0
        (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
    }

    Context 'errors' {
        BeforeAll {
            # Starts like a JKS (magic FEEDFEED), then garbage.
            $corrupt = Join-Path $TestDrive 'corrupt.jks'
            [System.IO.File]::WriteAllBytes($corrupt, [byte[]](0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 9, 1, 2, 3))
        }

        It 'reports a store it cannot read as CertHeal.KeystoreUnreadable' {
            { Sync-Keystore -LiteralPath $corrupt -ErrorAction Stop } |
                Should -Throw -ErrorId 'CertHeal.KeystoreUnreadable,CertHeal.Commands.SyncKeystoreCommand'
        }

        It 'a corrupt store in the pipeline is its own error; the next store still syncs' {
            $store = New-UpgradedStore
            $bytes = [System.IO.File]::ReadAllBytes($corrupt)
            $changes = @([pscustomobject]@{ Path = $corrupt }, [pscustomobject]@{ Path = $store } |
                    Sync-Keystore -ErrorAction SilentlyContinue -ErrorVariable failed)
            @($failed).Count | Should -Be 1
            $failed[0].FullyQualifiedErrorId | Should -Be 'CertHeal.KeystoreUnreadable,CertHeal.Commands.SyncKeystoreCommand'
            $failed[0].TargetObject | Should -Be $corrupt
            $changes.Count | Should -Be 1
            $changes[0].Path | Should -Be $store
            $changes[0].Added | Should -Be 1
            [System.IO.File]::ReadAllBytes($corrupt) | Should -Be $bytes
        }

        It 'stops before touching any store when the ledger itself is unreadable' {
            $ledger = Join-Path $TestDrive 'broken-ledger.json'
            Set-Content -LiteralPath $ledger -Value 'not a ledger'
            $store = Join-Path $TestDrive 'untouched.pem'
            Copy-Item -LiteralPath $shipped -Destination $store
            $hash = (Get-FileHash -LiteralPath $store).Hash
            { Sync-Keystore $store -LedgerPath $ledger } |
                Should -Throw -ErrorId 'CertHeal.KeystoreUnreadable,CertHeal.Commands.SyncKeystoreCommand'
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }
    }

    It 'with -PruneLedger forgets a store that is gone only when asked, and -WhatIf keeps it' {
        $ledger = Join-Path $TestDrive "prune-$([guid]::NewGuid().ToString('N')).json"
        $gone = New-UpgradedStore -LedgerPath $ledger
        $kept = New-UpgradedStore -LedgerPath $ledger
        Remove-Item -LiteralPath $gone
        $missing = (Confirm-Keystore -Path $kept -LedgerPath $ledger).Findings | Where-Object Code -eq 'LedgerStoreMissing'
        $missing.Message | Should -Match 'Sync-Keystore -PruneLedger forgets them'

        $plan = Sync-Keystore -PruneLedger -LedgerPath $ledger -WhatIf
        $plan | Should -BeOfType ([CertHeal.Trust.LedgerPruneResult])
        $plan.StoresRemoved | Should -Be @($gone)
        (Sync-Keystore -PruneLedger -LedgerPath $ledger).StoresRemoved | Should -Be @($gone)
        @((Sync-Keystore -PruneLedger -LedgerPath $ledger).StoresRemoved).Count | Should -Be 0
        # The store that still exists is still synced from the ledger.
        (Sync-Keystore $kept -LedgerPath $ledger).Added | Should -Be 1
    }

    It 'reports Changed for a configuration tool: -WhatIf predicts the sync, a rerun changes nothing' {
        $ledger = Join-Path $TestDrive "changed-$([guid]::NewGuid().ToString('N')).json"
        $store = New-UpgradedStore -LedgerPath $ledger
        $hash = (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash
        $check = Sync-Keystore $store -LedgerPath $ledger -WhatIf
        $check.Changed | Should -BeTrue
        (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash | Should -Be $hash

        $first = Sync-Keystore $store -LedgerPath $ledger
        $first.Changed | Should -BeTrue
        $first.Written | Should -BeTrue
        @($first.Entries | ForEach-Object { "$($_.Action) $($_.Thumbprint)" }) | Should -Be @($check.Entries | ForEach-Object { "$($_.Action) $($_.Thumbprint)" })
        $written = Get-Item -LiteralPath $store
        $hash = (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash

        (Sync-Keystore $store -LedgerPath $ledger).Changed | Should -BeFalse
        (Sync-Keystore $store -LedgerPath $ledger -WhatIf).Changed | Should -BeFalse
        (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash | Should -Be $hash
        (Get-Item -LiteralPath $store).LastWriteTimeUtc | Should -Be $written.LastWriteTimeUtc
    }

    It 'with -PruneLedger reports Changed: -WhatIf writes nothing, the prune writes, a rerun changes nothing' {
        $ledger = Join-Path $TestDrive "prune-changed-$([guid]::NewGuid().ToString('N')).json"
        $gone = New-UpgradedStore -LedgerPath $ledger
        $null = New-UpgradedStore -LedgerPath $ledger
        Remove-Item -LiteralPath $gone
        $folder = $ledger -replace '\.json$', ''
        function Get-LedgerState { Get-ChildItem -LiteralPath $folder -Recurse -File | Where-Object Extension -ne '.lock' | Sort-Object FullName | ForEach-Object { "$($_.FullName) $((Get-FileHash -LiteralPath $_.FullName).Hash) $($_.LastWriteTimeUtc.Ticks)" } }
        $before = Get-LedgerState

        $check = Sync-Keystore -PruneLedger -LedgerPath $ledger -WhatIf
        $check.Changed | Should -BeTrue
        Get-LedgerState | Should -Be $before
        $first = Sync-Keystore -PruneLedger -LedgerPath $ledger
        $first.Changed | Should -BeTrue
        $first.StoresRemoved | Should -Be $check.StoresRemoved
        $after = Get-LedgerState
        (Sync-Keystore -PruneLedger -LedgerPath $ledger).Changed | Should -BeFalse
        (Sync-Keystore -PruneLedger -LedgerPath $ledger -WhatIf).Changed | Should -BeFalse
        Get-LedgerState | Should -Be $after
    }

    It 'rejects -PruneLedger with the keystore parameters' {
        { Sync-Keystore -PruneLedger -Format Jks } | Should -Throw -ErrorId 'AmbiguousParameterSet,CertHeal.Commands.SyncKeystoreCommand'
    }
}
