#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Remove-KeystoreEntry undoes a heal: each case heals a TestDrive: store from a real lab server
# whose root nobody trusts (merged pinned), forgets the root, then checks that Sync-Keystore and a
# TrustOnFirstUse merge leave it out. CERTHEAL_LEDGER points at a new TestDrive: ledger per case.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    $savedLedger = $env:CERTHEAL_LEDGER
    $env:CERTHEAL_LEDGER = Join-Path $TestDrive 'default-ledger.json'

    $lab = Start-CertHealLab -Scenario UntrustedRoot
    $target = $lab.Target('UntrustedRoot')
    $rootSha = $lab.UntrustedRootFingerprint

    function New-HealedStore {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))) -Force
        $store = Join-Path $folder 'truststore.pem'
        # The store already trusts another root (the lab's public one), as a real truststore does.
        Copy-Item -LiteralPath $lab.TrustedRootPem -Destination $store
        $healed = Get-ServerCertificateChain $target -TimeoutSec 10 |
            Merge-Keystore -Path $store -TrustPolicy Pinned -TrustedFingerprint $rootSha -ErrorAction Stop
        if ($healed.Added -lt 1) { throw "The heal added nothing." }
        $store
    }
}

AfterAll {
    Stop-CertHealLab $lab
    $env:CERTHEAL_LEDGER = $savedLedger
}

Describe 'Remove-KeystoreEntry' {
    BeforeEach {
        # A ledger per case: a mark one case leaves must not decide the next case's heal.
        $env:CERTHEAL_LEDGER = Join-Path $TestDrive "$([guid]::NewGuid().ToString('N'))-ledger.json"
    }

    It 'is exported with help that has three examples' {
        Get-Command Remove-KeystoreEntry -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Remove-KeystoreEntry -Examples).examples.example).Count | Should -Be 3
    }

    It 'with -WhatIf shows the removal and leaves the store byte for byte as it was' {
        $store = New-HealedStore
        $hash = (Get-FileHash -LiteralPath $store).Hash
        $plan = Remove-KeystoreEntry -Fingerprint $rootSha -WhatIf
        $plan | Should -BeOfType ([CertHeal.KeystoreChange])
        @($plan | Where-Object Path -eq $store).Changed | Should -BeTrue
        (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
    }

    It 'forgets the healed CAs piped from Get-ServerCertificateChain; the handshake with the store then fails' {
        $store = New-HealedStore
        (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
        # Every entry of a trust store is an anchor: the undo takes the intermediate with the root.
        $changes = @(Get-ServerCertificateChain $target -Keystore $store -TimeoutSec 10 | Where-Object Role -ne 'Leaf' |
            Remove-KeystoreEntry -Keystore $store)
        $changes.Count | Should -Be 2
        $changes | ForEach-Object { $_.Written | Should -BeTrue; $_.Removed | Should -Be 1; $_.Entries[0].Action | Should -Be 'Removed' }
        ($changes.Entries | Where-Object Sha256Fingerprint -eq $rootSha) | Should -Not -BeNullOrEmpty
        (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Succeeded | Should -BeFalse
    }

    It 'Sync-Keystore skips the forgotten root and says when it was forgotten; Confirm-Keystore -Ledger reports no drift for it' {
        $store = New-HealedStore
        $null = Remove-KeystoreEntry -Fingerprint $rootSha -Keystore $store
        $sync = Sync-Keystore $store
        $sync.Changed | Should -BeFalse
        ($sync.Entries | Where-Object Sha256Fingerprint -eq $rootSha).Reason | Should -Match '^forgotten on \d{4}-\d\d-\d\d'
        (Confirm-Keystore -Path $store -Ledger).Findings | Where-Object { $_.Code -eq 'LedgerDrift' -and $_.Message -match $rootSha } | Should -BeNullOrEmpty
    }

    It 'a TrustOnFirstUse merge refuses it; only -TrustedFingerprint puts it back' {
        $store = New-HealedStore
        $null = Remove-KeystoreEntry -Fingerprint $rootSha -Keystore $store
        $tofu = Get-ServerCertificateChain $target -TimeoutSec 10 | Merge-Keystore -Path $store -TrustPolicy TrustOnFirstUse -Force
        $refused = $tofu.Entries | Where-Object Sha256Fingerprint -eq $rootSha
        $refused.Action | Should -Be 'Skipped'
        $refused.Reason | Should -Match 'forgotten on'
        $pinned = Get-ServerCertificateChain $target -TimeoutSec 10 | Merge-Keystore -Path $store -TrustPolicy Pinned -TrustedFingerprint $rootSha
        ($pinned.Entries | Where-Object Sha256Fingerprint -eq $rootSha).Action | Should -Be 'Added'
        (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
    }

    It 'a fingerprint that matches nothing is a non-terminating CertHeal.FingerprintNotFound error naming it' {
        $store = New-HealedStore
        $unknown = 'E' * 64
        $out = Remove-KeystoreEntry -Fingerprint $unknown -Keystore $store -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'CertHeal.FingerprintNotFound,*'
        $failures[0].TargetObject | Should -Be $unknown
        $out.Changed | Should -BeFalse
    }
}
