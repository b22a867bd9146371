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
}
