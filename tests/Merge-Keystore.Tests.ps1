#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')  # keeps the trust ledger out of ~/.certheal

    function New-TestCertificate([string] $Name, [switch] $Authority) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($Authority.IsPresent, $false, 0, $true))
        $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddDays(30))
    }
}

Describe 'Merge-Keystore' {
    It 'is exported with help that has examples' {
        Get-Command Merge-Keystore -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Merge-Keystore -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    It 'refuses a self-signed certificate under the default policy and writes nothing' {
        $path = Join-Path $TestDrive 'default.pem'
        $change = New-TestCertificate 'nobody-trusts-me' -Authority | Merge-Keystore -Path $path
        $change | Should -BeOfType ([CertHeal.KeystoreChange])
        $change.Skipped | Should -Be 1
        $change.Written | Should -BeFalse
        $change.Entries[0].Refused | Should -BeTrue
        Test-Path $path | Should -BeFalse
    }

    It 'adds a pinned root, and a second merge changes nothing' {
        $path = Join-Path $TestDrive 'pinned.pem'
        $root = New-TestCertificate 'pinned-root' -Authority
        $fingerprint = [Convert]::ToHexString($root.GetCertHash([System.Security.Cryptography.HashAlgorithmName]::SHA256))
        $first = $root | Merge-Keystore -Path $path -TrustPolicy Pinned -TrustedFingerprint $fingerprint -Confirm:$false
        $first.Added | Should -Be 1
        $first.Written | Should -BeTrue
        $second = $root | Merge-Keystore -Path $path -TrustPolicy Pinned -TrustedFingerprint $fingerprint -Confirm:$false
        $second.Unchanged | Should -Be 1
        $second.Written | Should -BeFalse
    }

    It 'adds a pinned root without -Force or -Confirm:$false: the named fingerprint is the consent' {
        $path = Join-Path $TestDrive 'pinned-no-force.pem'
        $root = New-TestCertificate 'pinned-no-force' -Authority
        $fingerprint = [Convert]::ToHexString($root.GetCertHash([System.Security.Cryptography.HashAlgorithmName]::SHA256))
        $change = $root | Merge-Keystore -Path $path -TrustPolicy Pinned -TrustedFingerprint $fingerprint -ErrorAction Stop
        $change.Added | Should -Be 1
        $change.Written | Should -BeTrue
    }

    It 'never asks and never writes with -WhatIf, even for an anchor it would ask about' {
        $path = Join-Path $TestDrive 'whatif-tofu.pem'
        $change = New-TestCertificate 'whatif-tofu' -Authority | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -WhatIf -ErrorAction Stop
        $change.WhatIf | Should -BeTrue
        $change.Added | Should -Be 1
        Test-Path $path | Should -BeFalse
    }

    It 'reports an anchor nobody approved as CertHeal.TrustRefused naming its fingerprint and -TrustedFingerprint' {
        $path = Join-Path $TestDrive 'refused.pem'
        $root = New-TestCertificate 'refused' -Authority
        $fingerprint = [Convert]::ToHexString($root.GetCertHash([System.Security.Cryptography.HashAlgorithmName]::SHA256))
        $change = $root | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -ApprovalScript { $false } -ErrorVariable refusal -ErrorAction SilentlyContinue
        @($refusal).Count | Should -Be 1
        $refusal[0].FullyQualifiedErrorId | Should -Be 'CertHeal.TrustRefused,CertHeal.Commands.MergeKeystoreCommand'
        $refusal[0].TargetObject | Should -Be $fingerprint
        $refusal[0].Exception.Message | Should -BeLike "*-TrustedFingerprint $fingerprint*"
        $change.Skipped | Should -Be 1
        Test-Path $path | Should -BeFalse
    }

    It 'accepts PEM text and deserialized objects with a Pem property' {
        $path = Join-Path $TestDrive 'tofu.pem'
        $certificate = New-TestCertificate 'tofu' -Authority
        $pem = $certificate.ExportCertificatePem()
        $change = [pscustomobject]@{ Pem = $pem } | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -Force
        $change.Added | Should -Be 1
        (Get-Content $path -Raw) | Should -Match 'BEGIN CERTIFICATE'
    }

    It 'reports Changed for a configuration tool: -WhatIf predicts the entries, the merge writes, a rerun changes nothing' {
        $path = Join-Path $TestDrive 'changed.pem'
        $root = New-TestCertificate 'changed-root' -Authority
        $root.ExportCertificatePem() | Set-Content -LiteralPath $path
        $root2 = New-TestCertificate 'changed-root-2' -Authority
        $before = Get-Item -LiteralPath $path
        $hash = (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash

        $check = $root, $root2 | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -Force -WhatIf
        $check.Changed | Should -BeTrue
        $check.WhatIf | Should -BeTrue
        $check.Written | Should -BeFalse
        (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash | Should -Be $hash
        (Get-Item -LiteralPath $path).LastWriteTimeUtc | Should -Be $before.LastWriteTimeUtc

        $first = $root, $root2 | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -Force
        $first.Changed | Should -BeTrue
        $first.Written | Should -BeTrue
        @($first.Entries | ForEach-Object { "$($_.Action) $($_.Thumbprint)" }) | Should -Be @($check.Entries | ForEach-Object { "$($_.Action) $($_.Thumbprint)" })
        @($first.Entries | Where-Object Action -eq 'Added').Thumbprint | Should -Be $root2.Thumbprint
        $written = Get-Item -LiteralPath $path
        $hash = (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash

        $second = $root, $root2 | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -Force
        $second.Changed | Should -BeFalse
        ($root, $root2 | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -Force -WhatIf).Changed | Should -BeFalse
        (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash | Should -Be $hash
        (Get-Item -LiteralPath $path).LastWriteTimeUtc | Should -Be $written.LastWriteTimeUtc
        ($first | Format-Table | Out-String) | Should -Match 'Changed'
    }

    It 'with -WhatIf writes nothing' {
        $path = Join-Path $TestDrive 'whatif.pem'
        $change = New-TestCertificate 'whatif' -Authority | Merge-Keystore -Path $path -TrustPolicy TrustOnFirstUse -Force -WhatIf
        $change.WhatIf | Should -BeTrue
        Test-Path $path | Should -BeFalse
    }

    It 'reports a wrong password with an ErrorId and leaves the keystore as it was' {
        $path = Join-Path $TestDrive 'store.jks'
        $password = ConvertTo-SecureString 'changeit' -AsPlainText -Force
        $null = New-TestCertificate 'jks-root' -Authority | Merge-Keystore -Path $path -Password $password -TrustPolicy TrustOnFirstUse -Force
        $before = Get-FileHash $path
        $wrong = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        { New-TestCertificate 'other' -Authority | Merge-Keystore -Path $path -Password $wrong -TrustPolicy TrustOnFirstUse -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.KeystorePassword,CertHeal.Commands.MergeKeystoreCommand'
        (Get-FileHash $path).Hash | Should -Be $before.Hash
    }

    It 'reports an unreadable piped store as its own error and still merges into the others' {
        $good = Join-Path $TestDrive 'piped-good.pem'
        $bad = Join-Path $TestDrive 'piped-bad.pem'
        Set-Content -LiteralPath $bad -Value 'listen = 8443'
        $before = Get-FileHash -LiteralPath $bad
        $certificate = New-TestCertificate 'piped' -Authority
        $changes = @([pscustomobject]@{ Path = $bad }, [pscustomobject]@{ Path = $good }) |
            Merge-Keystore -Certificate $certificate -TrustPolicy TrustOnFirstUse -Force -ErrorVariable failed -ErrorAction SilentlyContinue
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'CertHeal.KeystoreUnreadable,CertHeal.Commands.MergeKeystoreCommand'
        $failed[0].TargetObject | Should -Be $bad
        @($changes).Count | Should -Be 1
        $changes.Path | Should -Be $good
        $changes.Added | Should -Be 1
        (Get-FileHash -LiteralPath $bad).Hash | Should -Be $before.Hash
    }

    It 'rejects text that is neither a certificate nor a file with a binding error' {
        { 'not a certificate' | Merge-Keystore -Path (Join-Path $TestDrive 'garbage.pem') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,CertHeal.Commands.MergeKeystoreCommand'
    }

    It 'rejects a -TrustedFingerprint that is not a SHA-256 in hex' {
        { New-TestCertificate 'bad-pin' -Authority | Merge-Keystore -Path (Join-Path $TestDrive 'bad-pin.pem') -TrustPolicy Pinned -TrustedFingerprint 'xyz' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,CertHeal.Commands.MergeKeystoreCommand'
    }

    It 'binds the keystore by property name from Find-Keystore' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'found') -Force
        $store = Join-Path $folder 'ca-bundle.pem'
        Set-Content -LiteralPath $store -Value (New-TestCertificate 'found-root' -Authority).ExportCertificatePem()
        $change = Find-Keystore -Path $folder | Merge-Keystore -Certificate (New-TestCertificate 'found-new' -Authority) -TrustPolicy TrustOnFirstUse -Force
        $change.Path | Should -Be $store
        $change.Added | Should -Be 1
    }

    Context 'healing real lab servers' {
        BeforeAll {
            $lab = Start-CertHealLab -Scenario LeafOnlyWithAia, UntrustedRoot
        }

        AfterAll {
            Stop-CertHealLab $lab
        }

        BeforeEach {
            # The app's truststore: trusts the lab root, lacks the intermediate the server omits.
            $store = Join-Path $TestDrive "app-$([guid]::NewGuid().ToString('N')).pem"
            Copy-Item -LiteralPath $lab.TrustedRootPem -Destination $store
        }

        It 'heals an incomplete chain: Get-ServerCertificateChain | Merge-Keystore, then the handshake succeeds' {
            $target = $lab.Target('LeafOnlyWithAia')
            $before = Test-TlsHandshake $target -Keystore $store -TimeoutSec 10
            $before.Failure | Should -Be 'IncompleteChain'
            $before.Healable | Should -BeTrue

            $change = Get-ServerCertificateChain $target -Keystore $store -TimeoutSec 10 | Merge-Keystore -Path $store
            $change.Written | Should -BeTrue
            $change.Added | Should -Be 1 -Because 'only the missing intermediate is needed; the root is already trusted'
            ($change.Entries | Where-Object Action -eq 'Added').Subject | Should -Match 'Issuing CA'

            (Test-TlsHandshake $target -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
        }

        It 'with -WhatIf reports the plan and leaves the file byte for byte as it was' {
            $hash = (Get-FileHash -LiteralPath $store).Hash
            $change = Get-ServerCertificateChain $lab.Target('LeafOnlyWithAia') -Keystore $store -TimeoutSec 10 | Merge-Keystore -Path $store -WhatIf
            $change.WhatIf | Should -BeTrue
            $change.Written | Should -BeFalse
            $change.Added | Should -Be 1
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
            (Test-TlsHandshake $lab.Target('LeafOnlyWithAia') -Keystore $store -TimeoutSec 10).Succeeded | Should -BeFalse
        }

        It 'refuses an untrusted root under the default policy and writes nothing' {
            $hash = (Get-FileHash -LiteralPath $store).Hash
            $change = Get-ServerCertificateChain $lab.Target('UntrustedRoot') -TimeoutSec 10 | Merge-Keystore -Path $store
            $change.Added | Should -Be 0
            $change.Skipped | Should -BeGreaterThan 0
            $change.Written | Should -BeFalse
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }

        It 'pins the untrusted root with -TrustedFingerprint, then the handshake succeeds' {
            # The fingerprint an operator checked out of band; naming it is the consent.
            $change = Get-ServerCertificateChain $lab.Target('UntrustedRoot') -TimeoutSec 10 |
                Merge-Keystore -Path $store -TrustPolicy Pinned -TrustedFingerprint $lab.UntrustedRootFingerprint -ErrorAction Stop
            $change.Written | Should -BeTrue
            ($change.Entries | Where-Object Action -eq 'Added').Thumbprint | Should -Not -BeNullOrEmpty
            (Test-TlsHandshake $lab.Target('UntrustedRoot') -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
        }

        It 'warns, and still reports the merge it made, when the trust ledger cannot be written' {
            $blocker = Join-Path $TestDrive 'ledger-blocker'
            Set-Content -LiteralPath $blocker -Value 'a file where the ledger folder would be'
            $copy = Join-Path $TestDrive "warn-$([guid]::NewGuid().ToString('N')).pem"
            Copy-Item -LiteralPath $store -Destination $copy
            $change = Get-ServerCertificateChain $lab.Target('LeafOnlyWithAia') -Keystore $copy -TimeoutSec 10 |
                Merge-Keystore -Path $copy -LedgerPath (Join-Path $blocker 'ledger.json') -WarningVariable warnings -WarningAction SilentlyContinue
            $change.Written | Should -BeTrue
            $change.Added | Should -BeGreaterThan 0
            @($warnings).Count | Should -Be 1
            $warnings[0].Message | Should -Match 'was merged, but the trust ledger'
        }

        It 'records the heal in the trust ledger named by -LedgerPath' {
            $ledger = Join-Path $TestDrive 'merge-ledger.json'
            $null = Get-ServerCertificateChain $lab.Target('LeafOnlyWithAia') -Keystore $store -TimeoutSec 10 | Merge-Keystore -Path $store -LedgerPath $ledger
            # The ledger is a folder of records, named after the path without '.json'.
            $records = Join-Path $TestDrive 'merge-ledger'
            Test-Path -LiteralPath $records -PathType Container | Should -BeTrue
            (Get-ChildItem -LiteralPath $records -Recurse -File -Filter *.json | Get-Content -Raw) -join '' |
                Should -Match ([regex]::Escape((Split-Path $store -Leaf)))
        }
    }
}

