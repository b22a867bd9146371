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

    It 'reports a file that is no keystore as CertHeal.KeystoreUnreadable and leaves it alone' {
        $path = Join-Path $TestDrive 'app.conf'
        Set-Content -LiteralPath $path -Value 'listen = 8443'
        $hash = (Get-FileHash -LiteralPath $path).Hash
        { Confirm-Keystore -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.KeystoreUnreadable,CertHeal.Commands.ConfirmKeystoreCommand'
        (Get-FileHash -LiteralPath $path).Hash | Should -Be $hash
    }

    It 'checks every store Find-Keystore finds (Path by property name)' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'stores') -Force
        foreach ($name in 'a', 'b') {
            New-Item -ItemType Directory -Path (Join-Path $folder $name) -Force | Out-Null
            Set-Content -LiteralPath (Join-Path $folder "$name/bundle.pem") -Value (New-TestCertificate "root-$name").ExportCertificatePem()
        }
        $reports = @(Find-Keystore -Path $folder | Confirm-Keystore)
        $reports.Count | Should -Be 2
        $reports | ForEach-Object { $_.IsValid | Should -BeTrue; $_.EntryCount | Should -Be 1 }
        ($reports.Path | Sort-Object) | Should -Be @((Join-Path $folder 'a/bundle.pem'), (Join-Path $folder 'b/bundle.pem'))
    }

    Context 'endpoints on real lab servers' {
        BeforeAll {
            $lab = Start-CertHealLab -Scenario GoodChain, LeafOnly
        }

        AfterAll {
            Stop-CertHealLab $lab
        }

        It 'is valid when the endpoint piped in as a string handshakes with the keystore' {
            $report = $lab.Target('GoodChain') | Confirm-Keystore -Path $lab.TrustedRootPem -TimeoutSec 10
            $report.IsValid | Should -BeTrue
            @($report.Endpoints).Count | Should -Be 1
            $report.Endpoints[0].Succeeded | Should -BeTrue
            $report.Endpoints[0].TrustedBy | Should -Be $lab.TrustedRootPem
        }

        It 'takes Import-Csv rows (ComputerName, Port) by property name and fails on an incomplete chain' {
            $csv = Join-Path $TestDrive 'endpoints.csv'
            @(
                [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $lab.Ports['GoodChain'] }
                [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $lab.Ports['LeafOnly'] }
            ) | Export-Csv -LiteralPath $csv -NoTypeInformation
            $report = Import-Csv -LiteralPath $csv | Confirm-Keystore -Path $lab.TrustedRootPem -TimeoutSec 10
            @($report).Count | Should -Be 1 -Because 'one keystore, one report, however many endpoints'
            $report.IsValid | Should -BeFalse
            ($report.Endpoints | Where-Object Port -eq $lab.Ports['LeafOnly']).Failure | Should -Be 'IncompleteChain'
            $report.Findings.Code | Should -Contain 'EndpointFailed'
        }

        It 'leaves the keystore untouched: it only reads' {
            $store = Join-Path $TestDrive 'readonly-check.pem'
            Copy-Item -LiteralPath $lab.TrustedRootPem -Destination $store
            $hash = (Get-FileHash -LiteralPath $store).Hash
            $null = $lab.Target('LeafOnly') | Confirm-Keystore -Path $store -TimeoutSec 10
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }
    }
}

