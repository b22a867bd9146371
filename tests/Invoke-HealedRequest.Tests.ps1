#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'Invoke-HealedRequest' {
    It 'is exported with help that has examples' {
        Get-Command Invoke-HealedRequest -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Invoke-HealedRequest -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
    }

    It 'reports a server it cannot reach as a non-terminating error with an ErrorId and writes no keystore' {
        $port = Get-ClosedPort
        $keystore = Join-Path $TestDrive 'store.pem'
        { Invoke-HealedRequest "https://127.0.0.1:$port/" -Keystore $keystore -TimeoutSec 10 -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.RequestFailed,CertHeal.Commands.InvokeHealedRequestCommand'
        Test-Path $keystore | Should -BeFalse
    }

    It 'with -WhatIf diagnoses and sends nothing' {
        $port = Get-ClosedPort
        $keystore = Join-Path $TestDrive 'whatif.pem'
        $result = Invoke-HealedRequest "https://127.0.0.1:$port/" -Keystore $keystore -TimeoutSec 10 -WhatIf
        $result | Should -BeOfType ([CertHeal.HealedResponse])
        $result.Handshake.Failure | Should -Be 'ConnectionRefused'
        $result.Attempts | Should -Be 0
        Test-Path $keystore | Should -BeFalse
    }

    It 'rejects a -TrustedFingerprint that is not a SHA-256 in hex' {
        { Invoke-HealedRequest 'https://127.0.0.1:1/' -TrustPolicy Pinned -TrustedFingerprint 'xyz' } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,CertHeal.Commands.InvokeHealedRequestCommand'
    }

    Context 'real lab servers' {
        BeforeAll {
            $lab = Start-CertHealLab -Scenario GoodChain, LeafOnlyWithAia, UntrustedRoot, Expired
            function Get-LabUrl([string] $Scenario) { "https://$($lab.Target($Scenario))/" }
        }

        AfterAll {
            Stop-CertHealLab $lab
        }

        BeforeEach {
            # The app's truststore: trusts the lab root and nothing else.
            $store = Join-Path $TestDrive "app-$([guid]::NewGuid().ToString('N')).pem"
            Copy-Item -LiteralPath $lab.TrustedRootPem -Destination $store
        }

        It 'answers a trusted server without healing, for a URL piped in as a string' {
            $hash = (Get-FileHash -LiteralPath $store).Hash
            $response = Get-LabUrl GoodChain | Invoke-HealedRequest -Keystore $store -TimeoutSec 20
            $response | Should -BeOfType ([CertHeal.HealedResponse])
            $response.StatusCode | Should -Be 200
            $response.Healed | Should -BeFalse
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }

        It 'heals an incomplete chain into the keystore and retries' {
            $response = Invoke-HealedRequest (Get-LabUrl LeafOnlyWithAia) -Keystore $store -TimeoutSec 20
            $response.StatusCode | Should -Be 200
            $response.Healed | Should -BeTrue
            $response.Attempts | Should -BeGreaterOrEqual 2
            @($response.Steps).Count | Should -BeGreaterThan 0
            (Test-TlsHandshake $lab.Target('LeafOnlyWithAia') -Keystore $store -TimeoutSec 10).Succeeded | Should -BeTrue
        }

        It 'with -WhatIf diagnoses the incomplete chain and leaves the keystore byte for byte as it was' {
            $hash = (Get-FileHash -LiteralPath $store).Hash
            $response = Invoke-HealedRequest (Get-LabUrl LeafOnlyWithAia) -Keystore $store -TimeoutSec 20 -WhatIf
            $response.Handshake.Failure | Should -Be 'IncompleteChain'
            $response.Attempts | Should -Be 0
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }

        It 'refuses a new root under the default policy with CertHeal.HealRefused' {
            $hash = (Get-FileHash -LiteralPath $store).Hash
            { Invoke-HealedRequest (Get-LabUrl UntrustedRoot) -Keystore $store -TimeoutSec 20 -ErrorAction Stop } |
                Should -Throw -ErrorId 'CertHeal.HealRefused,CertHeal.Commands.InvokeHealedRequestCommand'
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }

        It 'pins the untrusted root named by -TrustedFingerprint and gets the answer' {
            $response = Invoke-HealedRequest (Get-LabUrl UntrustedRoot) -Keystore $store -TrustPolicy Pinned -TrustedFingerprint $lab.UntrustedRootFingerprint -TimeoutSec 20
            $response.StatusCode | Should -Be 200
            $response.Healed | Should -BeTrue
        }

        It 'does not heal an expired server certificate: only the server can fix that' {
            $hash = (Get-FileHash -LiteralPath $store).Hash
            { Invoke-HealedRequest (Get-LabUrl Expired) -Keystore $store -TimeoutSec 20 -ErrorAction Stop } | Should -Throw
            (Get-FileHash -LiteralPath $store).Hash | Should -Be $hash
        }

        It 'takes Uri objects by value and Import-Csv rows (Uri) by property name' {
            $csv = Join-Path $TestDrive 'urls.csv'
            [pscustomobject]@{ Uri = Get-LabUrl GoodChain } | Export-Csv -LiteralPath $csv -NoTypeInformation
            $responses = @(@([uri](Get-LabUrl GoodChain)) + @(Import-Csv -LiteralPath $csv)) | Invoke-HealedRequest -Keystore $store -TimeoutSec 20
            $responses.Count | Should -Be 2
            $responses | ForEach-Object { $_.StatusCode | Should -Be 200 }
        }
    }
}

