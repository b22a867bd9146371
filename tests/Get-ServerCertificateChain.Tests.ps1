#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Get-ServerCertificateChain' {
    It 'is exported with help that has examples' {
        Get-Command Get-ServerCertificateChain -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Get-ServerCertificateChain -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    It 'reports a target without certificates as a non-terminating error with an ErrorId' {
        $port = Get-ClosedPort
        { Get-ServerCertificateChain "127.0.0.1:$port" -TimeoutSec 10 -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.NoCertificate,CertHeal.Commands.GetServerCertificateChainCommand'
    }

    It 'takes HandshakeResult objects from Test-TlsHandshake by property name' {
        $port = Get-ClosedPort
        $null = Test-TlsHandshake "127.0.0.1:$port" -TimeoutSec 10 |
            Get-ServerCertificateChain -TimeoutSec 10 -ErrorAction SilentlyContinue -ErrorVariable errors
        @($errors).Count | Should -Be 1
        $errors[0].TargetObject | Should -Be "127.0.0.1:$port"
    }

    It 'fails clearly on a missing keystore' {
        { Get-ServerCertificateChain 'localhost' -Keystore (Join-Path $TestDrive 'missing.pem') -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.KeystoreNotFound,CertHeal.Commands.GetServerCertificateChainCommand'
    }

    It 'rejects an unparseable target with CertHeal.InvalidTarget' {
        { Get-ServerCertificateChain 'bad host name!' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.InvalidTarget,CertHeal.Commands.GetServerCertificateChainCommand'
    }

    It 'rejects a -TimeoutSec out of range' {
        { Get-ServerCertificateChain 127.0.0.1 -TimeoutSec 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,CertHeal.Commands.GetServerCertificateChainCommand'
    }

    Context 'real TLS servers from the lab' {
        BeforeAll {
            $lab = Start-CertHealLab -Scenario GoodChain, LeafOnlyWithAia, UntrustedRoot
            $roots = $lab.TrustedRootPem
        }

        AfterAll {
            Stop-CertHealLab $lab
        }

        It 'emits one ChainCertificate per certificate, leaf first, for a target piped in as a string' {
            $chain = @($lab.Target('GoodChain') | Get-ServerCertificateChain -Keystore $roots -TimeoutSec 10)
            $chain.Count | Should -BeGreaterOrEqual 2
            $chain | ForEach-Object { $_ | Should -BeOfType ([CertHeal.ChainCertificate]) }
            $chain[0].Position | Should -Be 0
            $chain[0].Role | Should -Be 'Leaf'
            $chain[0].Source | Should -Be 'Presented'
            $chain[0].Pem | Should -Match 'BEGIN CERTIFICATE'
            $chain[0].Sha256Fingerprint | Should -Match '^[0-9A-F]{64}$'
        }

        It 'completes an incomplete chain from the AIA URL the leaf names' {
            $chain = @(Get-ServerCertificateChain $lab.Target('LeafOnlyWithAia') -Keystore $roots -TimeoutSec 10)
            ($chain | Where-Object Role -eq 'Intermediate').Source | Should -Be 'Aia'
        }

        It 'with -NoAia returns only what the server sent' {
            $chain = @(Get-ServerCertificateChain $lab.Target('LeafOnlyWithAia') -Keystore $roots -NoAia -TimeoutSec 10)
            $chain.Count | Should -Be 1
            $chain[0].Role | Should -Be 'Leaf'
        }

        It 'returns the untrusted root the server sends, so it can be checked and pinned' {
            $root = Get-ServerCertificateChain $lab.Target('UntrustedRoot') -TimeoutSec 10 | Where-Object Role -eq 'Root'
            $root.Sha256Fingerprint | Should -Be $lab.UntrustedRootFingerprint
            $root.IsSelfSigned | Should -BeTrue
        }

        It 'takes Import-Csv rows (Host, Port) by property name and Uri objects by value' {
            $csv = Join-Path $TestDrive 'servers.csv'
            [pscustomobject]@{ Host = '127.0.0.1'; Port = $lab.Ports['GoodChain'] } | Export-Csv -LiteralPath $csv -NoTypeInformation
            $fromCsv = @(Import-Csv -LiteralPath $csv | Get-ServerCertificateChain -Keystore $roots -TimeoutSec 10)
            $fromUri = @([uri]"https://$($lab.Target('GoodChain'))/" | Get-ServerCertificateChain -Keystore $roots -TimeoutSec 10)
            $fromCsv[0].Thumbprint | Should -Be $fromUri[0].Thumbprint
            $fromCsv[0].Role | Should -Be 'Leaf'
        }

        It 'writes the chain as a PEM bundle with -OutFile and still emits the objects' {
            $bundle = Join-Path $TestDrive 'bundle.pem'
            $chain = @(Get-ServerCertificateChain $lab.Target('GoodChain') -Keystore $roots -OutFile $bundle -TimeoutSec 10)
            $chain.Count | Should -BeGreaterOrEqual 2
            ([regex]::Matches((Get-Content -LiteralPath $bundle -Raw), 'BEGIN CERTIFICATE')).Count | Should -BeGreaterOrEqual 2
        }
    }
}
