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

    It 'has the web parameters of Invoke-RestMethod, and -KeystorePassword answers to -Password' {
        $parameters = (Get-Command Invoke-HealedRequest).Parameters
        foreach ($name in 'OutFile', 'PassThru', 'Credential', 'Authentication', 'Token', 'AllowUnencryptedAuthentication',
            'UserAgent', 'SkipHttpErrorCheck', 'ResponseHeadersVariable', 'StatusCodeVariable', 'AsObject', 'KeystorePassword', 'KeystoreCredential') {
            $parameters.Keys | Should -Contain $name
        }
        $parameters['KeystorePassword'].Aliases | Should -Contain 'Password'
        $parameters['Token'].ParameterType | Should -Be ([securestring])
        [enum]::GetNames($parameters['Authentication'].ParameterType) | Should -Be 'None', 'Basic', 'Bearer', 'OAuth'
        $parameters.Keys | Should -Not -Contain 'SkipCertificateCheck'
    }

    It 'refuses -Authentication Basic without -Credential and secrets over http:// before sending anything' {
        $port = Get-ClosedPort
        $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
        { Invoke-HealedRequest "https://127.0.0.1:$port/" -Authentication Basic -ErrorAction Stop } |
            Should -Throw -ErrorId 'WebCmdletAuthenticationCredentialNotSuppliedException,CertHeal.Commands.InvokeHealedRequestCommand'
        { Invoke-HealedRequest "https://127.0.0.1:$port/" -Authentication Bearer -ErrorAction Stop } |
            Should -Throw -ErrorId 'WebCmdletAuthenticationTokenNotSuppliedException,CertHeal.Commands.InvokeHealedRequestCommand'
        { Invoke-HealedRequest "http://127.0.0.1:$port/" -Credential $credential -Authentication Basic -ErrorAction Stop } |
            Should -Throw -ErrorId 'WebCmdletAllowUnencryptedAuthenticationRequiredException,CertHeal.Commands.InvokeHealedRequestCommand'
    }

    Context 'against a local HTTP server' {
        BeforeAll {
            $server = Start-TestHttpServer -Routes @{
                '/data.json' = @{ ContentType = 'application/json'; Body = '[{"name":"a","n":1},{"name":"b","n":2}]'; Headers = @{ 'X-Request-Id' = 'pester-1' } }
                '/report.txt' = @{ Body = "line 1`nline 2`n" }
                '/boom' = @{ Status = 500; ContentType = 'application/json'; Body = '{"error":"on fire"}' }
            }
            $keystore = Join-Path $TestDrive 'web.pem'
        }
        AfterAll { Stop-TestHttpServer $server }

        It '-AsObject returns JSON as ConvertFrom-Json does, arrays enumerated' {
            $items = @(Invoke-HealedRequest "$($server.Url)/data.json" -Keystore $keystore -AsObject)
            $items.Count | Should -Be 2
            $items[0] | Should -BeOfType ([pscustomobject])
            $items[1].name | Should -Be 'b'
            $items[1].n | Should -BeOfType ([long])
        }

        It '-OutFile writes the body and emits nothing; -PassThru also emits the response' {
            $file = Join-Path $TestDrive 'report.txt'
            Invoke-HealedRequest "$($server.Url)/report.txt" -Keystore $keystore -OutFile $file | Should -BeNullOrEmpty
            Get-Content $file | Should -Be 'line 1', 'line 2'
            $response = Invoke-HealedRequest "$($server.Url)/report.txt" -Keystore $keystore -OutFile (Join-Path $TestDrive 'again.txt') -PassThru
            $response.StatusCode | Should -Be 200
            $response.OutFile | Should -Be (Join-Path $TestDrive 'again.txt')
        }

        It '-ResponseHeadersVariable and -StatusCodeVariable set variables in the caller''s scope' {
            $null = Invoke-HealedRequest "$($server.Url)/data.json" -Keystore $keystore -ResponseHeadersVariable headers -StatusCodeVariable status
            $headers['X-Request-Id'] | Should -Be 'pester-1'
            $status | Should -Be 200
        }

        It 'an HTTP error is WebCmdletWebResponseException unless -SkipHttpErrorCheck' {
            { Invoke-HealedRequest "$($server.Url)/boom" -Keystore $keystore -ErrorAction Stop } |
                Should -Throw -ErrorId 'WebCmdletWebResponseException,CertHeal.Commands.InvokeHealedRequestCommand'
            Invoke-HealedRequest "$($server.Url)/missing" -Keystore $keystore -ErrorAction SilentlyContinue -ErrorVariable failed | Should -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'WebCmdletWebResponseException,*'
            (Invoke-HealedRequest "$($server.Url)/boom" -Keystore $keystore -SkipHttpErrorCheck).StatusCode | Should -Be 500
        }

        It 'sends -UserAgent, Basic credentials and bearer tokens (over http:// only with -AllowUnencryptedAuthentication)' {
            $credential = [pscredential]::new('alice', (ConvertTo-SecureString 'pa55' -AsPlainText -Force))
            $null = Invoke-HealedRequest "$($server.Url)/report.txt" -Keystore $keystore -UserAgent 'Pester/5' -Credential $credential -Authentication Basic -AllowUnencryptedAuthentication
            $sent = Get-TestHttpRequest $server '/report.txt'
            $sent['User-Agent'] | Should -Be 'Pester/5'
            $sent['Authorization'] | Should -Be ('Basic ' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes('alice:pa55')))
            $token = ConvertTo-SecureString 'tok-1' -AsPlainText -Force
            $null = Invoke-HealedRequest "$($server.Url)/data.json" -Keystore $keystore -Authentication Bearer -Token $token -AllowUnencryptedAuthentication
            (Get-TestHttpRequest $server '/data.json')['Authorization'] | Should -Be 'Bearer tok-1'
        }
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

        It 'reports Changed when its heal wrote the keystore: -WhatIf predicts the merge, a rerun changes nothing' {
            $hash = (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash
            $check = Invoke-HealedRequest (Get-LabUrl LeafOnlyWithAia) -Keystore $store -TimeoutSec 20 -WhatIf
            $check.Changed | Should -BeTrue
            (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash | Should -Be $hash

            $first = Invoke-HealedRequest (Get-LabUrl LeafOnlyWithAia) -Keystore $store -TimeoutSec 20
            $first.Changed | Should -BeTrue
            $first.Change.Written | Should -BeTrue
            @($first.Change.Entries | ForEach-Object { "$($_.Action) $($_.Thumbprint)" }) | Should -Be @($check.Change.Entries | ForEach-Object { "$($_.Action) $($_.Thumbprint)" })
            $written = Get-Item -LiteralPath $store
            $hash = (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash

            $second = Invoke-HealedRequest (Get-LabUrl LeafOnlyWithAia) -Keystore $store -TimeoutSec 20
            $second.StatusCode | Should -Be 200
            $second.Changed | Should -BeFalse
            (Invoke-HealedRequest (Get-LabUrl LeafOnlyWithAia) -Keystore $store -TimeoutSec 20 -WhatIf).Changed | Should -BeFalse
            (Get-FileHash -LiteralPath $store -Algorithm SHA256).Hash | Should -Be $hash
            (Get-Item -LiteralPath $store).LastWriteTimeUtc | Should -Be $written.LastWriteTimeUtc
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

