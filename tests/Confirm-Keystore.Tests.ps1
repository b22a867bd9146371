#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    function New-TestCertificate([string] $Name, [int] $Days = 365) {
        $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new("CN=$Name", $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $request.CertificateExtensions.Add([System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($true, $false, 0, $true))
        $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), [datetimeoffset]::UtcNow.AddDays($Days))
    }
}

Describe 'Confirm-Keystore' {
    It 'is exported with help that has examples' {
        Get-Command Confirm-Keystore -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Confirm-Keystore -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    It 'reports an entry that expires soon as a warning and the keystore as valid' {
        $path = Join-Path $TestDrive 'soon.pem'
        Set-Content -Path $path -Value (New-TestCertificate 'soon-root' -Days 10).ExportCertificatePem()
        $report = Confirm-Keystore -Path $path -ExpiringWithin 30
        $report | Should -BeOfType ([CertHeal.KeystoreReport])
        $report.IsValid | Should -BeTrue
        $report.Findings.Code | Should -Contain 'ExpiringSoon'
    }

    It 'is invalid when an endpoint does not handshake with the keystore' {
        $path = Join-Path $TestDrive 'endpoint.pem'
        Set-Content -Path $path -Value (New-TestCertificate 'endpoint-root').ExportCertificatePem()
        $port = Get-ClosedPort
        $report = "127.0.0.1:$port" | Confirm-Keystore -Path $path -TimeoutSec 10
        $report.IsValid | Should -BeFalse
        $report.Endpoints[0].Failure | Should -Be 'ConnectionRefused'
        $report.Findings.Code | Should -Contain 'EndpointFailed'
    }

    It 'fails clearly on a missing keystore' {
        { Confirm-Keystore -LiteralPath (Join-Path $TestDrive 'missing.jks') -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.KeystoreNotFound,CertHeal.Commands.ConfirmKeystoreCommand'
    }
}
