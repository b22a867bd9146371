#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Runs against the built module (./build.ps1 assembles out/CertHeal), never the sources.
# The failures are met on real loopback TLS servers from the lab (Start-CertHealLab in
# TestHelpers.ps1 runs tests/CertHeal.LabHost); the rest use closed or silent loopback ports, or
# a plain HTTP answer from a thread job. A closed port is given -TimeoutSec 10 because Windows
# takes about two seconds to report a refused loopback connection.

BeforeAll {
    $manifest = Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1'
    Import-Module $manifest -Force

    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The CertHeal module' {
    It 'exports exactly the cmdlets its manifest lists, Test-TlsHandshake among them' {
        $expected = @((Import-PowerShellDataFile $manifest).CmdletsToExport | Sort-Object)
        $expected | Should -Contain 'Test-TlsHandshake'
        $exported = @(Get-Command -Module CertHeal | ForEach-Object Name | Sort-Object)
        ($exported -join ', ') | Should -Be ($expected -join ', ')
        (Get-Command Test-TlsHandshake -Module CertHeal).CommandType | Should -Be 'Cmdlet'
    }

    It 'loads a default view for each CertHeal type' {
        foreach ($type in 'CertHeal.HandshakeResult', 'CertHeal.ChainCertificate', 'CertHeal.KeystoreChange',
            'CertHeal.KeystoreReport', 'CertHeal.HealedResponse') {
            Get-FormatData -TypeName $type | Should -Not -BeNullOrEmpty -Because "CertHeal.Format.ps1xml has a view for $type"
        }
    }
}

Describe 'Test-TlsHandshake' {
    Context 'help' {
        It 'has a description and at least two examples' {
            (Get-Help Test-TlsHandshake -Full).description | Out-String | Should -Not -BeNullOrEmpty
            @((Get-Help Test-TlsHandshake -Examples).examples.example).Count | Should -BeGreaterOrEqual 3
        }

        It 'describes every parameter' {
            (Get-Help Test-TlsHandshake -Parameter Target).description | Should -Not -BeNullOrEmpty
            $common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters)
            $names = @((Get-Command Test-TlsHandshake).Parameters.Keys | Where-Object { $_ -notin $common })
            $names | Should -Contain 'ThrottleLimit'
            $undocumented = @(foreach ($name in $names) {
                    $help = try { Get-Help Test-TlsHandshake -Parameter $name -ErrorAction SilentlyContinue } catch { $null }
                    if (-not $help -or -not ($help.description | Out-String).Trim()) { $name }
                })
            $undocumented | Should -BeNullOrEmpty -Because 'every parameter needs a description in en-US/CertHeal.dll-Help.xml'
        }
    }

    Context 'a closed port' {
        BeforeAll {
            $port = Get-ClosedPort
        }

        It 'is a result, not an error' {
            $results = @(Test-TlsHandshake "127.0.0.1:$port" -TimeoutSec 10 -ErrorVariable errors)
            @($errors).Count | Should -Be 0
            $results.Count | Should -Be 1
            $results[0] | Should -BeOfType ([CertHeal.HandshakeResult])
            $results[0].Succeeded | Should -BeFalse
            $results[0].Failure | Should -Be 'ConnectionRefused'
            $results[0].Healable | Should -BeFalse
            $results[0].Target | Should -Be "127.0.0.1:$port"
            $results[0].Port | Should -Be $port
            $results[0].Reason | Should -Match ([regex]::Escape("127.0.0.1:$port"))
        }

        It 'shows the handshake time in milliseconds in the default table' {
            $text = Test-TlsHandshake "127.0.0.1:$port" -TimeoutSec 10 | Format-Table | Out-String -Width 300
            $text | Should -Match 'ConnectionRefused'
            $text | Should -Match '\d ms'
        }

        It 'uses -Port when the target has none' {
            $result = Test-TlsHandshake 127.0.0.1 -Port $port -TimeoutSec 10
            $result.Port | Should -Be $port
            $result.Target | Should -Be "127.0.0.1:$port"
        }

        It 'prefers a port written in the target over -Port' {
            $result = Test-TlsHandshake "127.0.0.1:$port" -Port 1 -TimeoutSec 10
            $result.Port | Should -Be $port
        }

        It 'binds ComputerName and Port by property name' {
            $result = [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $port } | Test-TlsHandshake -TimeoutSec 10
            @($result).Count | Should -Be 1
            $result.Port | Should -Be $port
            $result.Target | Should -Be "127.0.0.1:$port"
        }

        It 'probes each requested protocol separately' {
            $results = @(Test-TlsHandshake "127.0.0.1:$port" -Protocol Tls12, Tls13 -TimeoutSec 10)
            $results.Count | Should -Be 2
            (@($results | ForEach-Object { $_.RequestedProtocol.ToString() } | Sort-Object) -join ', ') | Should -Be 'Tls12, Tls13'
            $results | ForEach-Object { $_.Failure | Should -Be 'ConnectionRefused' }
        }
    }

    Context 'bad input' {
        It 'makes an unparseable target a non-terminating error with an ErrorId' {
            { Test-TlsHandshake 'bad host name!' -ErrorAction Stop } |
                Should -Throw -ErrorId 'CertHeal.InvalidTarget,CertHeal.Commands.TestTlsHandshakeCommand'
        }

        It 'still probes the valid targets of the same call' {
            $port = Get-ClosedPort
            $results = @(Test-TlsHandshake 'bad host name!', "127.0.0.1:$port" -TimeoutSec 10 -ErrorAction SilentlyContinue -ErrorVariable errors)
            @($errors).Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be 'CertHeal.InvalidTarget,CertHeal.Commands.TestTlsHandshakeCommand'
            $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $errors[0].TargetObject | Should -Be 'bad host name!'
            $results.Count | Should -Be 1
            $results[0].Target | Should -Be "127.0.0.1:$port"
        }

        It 'makes a -Proxy that is not an http URL one InvalidProxy error' {
            { Test-TlsHandshake 127.0.0.1:1 -Proxy 'not a proxy' } |
                Should -Throw -ErrorId 'CertHeal.InvalidProxy,CertHeal.Commands.TestTlsHandshakeCommand'
        }

        It 'rejects a -TimeoutSec out of range' {
            { Test-TlsHandshake 127.0.0.1 -TimeoutSec 0 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,CertHeal.Commands.TestTlsHandshakeCommand'
        }
    }

    Context 'a port that does not answer with TLS' {
        It 'reports a silent server as Timeout within -TimeoutSec' {
            # Started but never accepting: the system completes the TCP connection, nobody answers the ClientHello.
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            try {
                $port = $listener.LocalEndpoint.Port
                $watch = [System.Diagnostics.Stopwatch]::StartNew()
                $result = Test-TlsHandshake "127.0.0.1:$port" -TimeoutSec 1
                $watch.Stop()
                $result.Failure | Should -Be 'Timeout'
                $result.Succeeded | Should -BeFalse
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            }
            finally {
                $listener.Stop()
            }
        }

        It 'reports a plain HTTP answer as NotTls' -Skip:(-not (Get-Command Start-ThreadJob -ErrorAction SilentlyContinue)) {
            $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
            $listener.Start()
            $job = $null
            try {
                $port = $listener.LocalEndpoint.Port
                $job = Start-ThreadJob -ArgumentList $listener -ScriptBlock {
                    param($listener)
                    $client = $listener.AcceptTcpClient()
                    try {
                        $stream = $client.GetStream()
                        $buffer = [byte[]]::new(4096)
                        $null = $stream.Read($buffer, 0, $buffer.Length)
                        $answer = [System.Text.Encoding]::ASCII.GetBytes("HTTP/1.1 400 Bad Request`r`nContent-Type: text/plain`r`nContent-Length: 25`r`nConnection: close`r`n`r`nThis is a plain HTTP port")
                        $stream.Write($answer, 0, $answer.Length)
                        $stream.Flush()
                        Start-Sleep -Milliseconds 500
                    }
                    finally {
                        $client.Dispose()
                    }
                }
                $result = Test-TlsHandshake "127.0.0.1:$port" -TimeoutSec 10
                $result.Failure | Should -Be 'NotTls'
                $result.Healable | Should -BeFalse
            }
            finally {
                $listener.Stop()
                if ($job) {
                    $null = $job | Wait-Job -Timeout 5
                    $job | Remove-Job -Force
                }
            }
        }
    }

    Context 'real TLS servers from the lab' {
        BeforeAll {
            $lab = Start-CertHealLab -Scenario GoodChain, LeafOnly, UntrustedRoot, SelfSigned, Expired, NameMismatch, ClientCertificateRequired
            # The lab root is in no machine store: a PEM with it stands for "the system trusts it".
            $roots = $lab.TrustedRootPem
        }

        AfterAll {
            Stop-CertHealLab $lab
        }

        It 'succeeds on a complete chain to a trusted root, with the target piped in as a string' {
            $result = $lab.Target('GoodChain') | Test-TlsHandshake -Keystore $roots -TimeoutSec 10
            $result.Succeeded | Should -BeTrue
            $result.Failure | Should -Be 'None'
            $result.TrustedBy | Should -Be $roots
            $result.Protocol | Should -Not -BeNullOrEmpty
            @($result.PresentedChain).Count | Should -Be 2 -Because 'the server sends its leaf and intermediate'
        }

        It 'without the lab root the same server is an UntrustedRoot the policy could heal' {
            # The machine store does not hold the lab root, so this is what a fresh client sees.
            $result = Test-TlsHandshake $lab.Target('GoodChain') -TimeoutSec 10
            $result.Succeeded | Should -BeFalse
            $result.Failure | Should -BeIn 'UntrustedRoot', 'IncompleteChain'
        }

        It 'reports <Scenario> as <Failure> (Healable: <Healable>)' -ForEach @(
            @{ Scenario = 'LeafOnly'; Failure = 'IncompleteChain'; Healable = $true }
            @{ Scenario = 'UntrustedRoot'; Failure = 'UntrustedRoot'; Healable = $true }
            @{ Scenario = 'SelfSigned'; Failure = 'SelfSigned'; Healable = $true }
            # The server's own certificate is wrong: no client-side change can fix it.
            @{ Scenario = 'Expired'; Failure = 'Expired'; Healable = $false }
            @{ Scenario = 'NameMismatch'; Failure = 'NameMismatch'; Healable = $false }
            @{ Scenario = 'ClientCertificateRequired'; Failure = 'ClientCertificateRequired'; Healable = $false }
        ) {
            $result = Test-TlsHandshake $lab.Target($Scenario) -Keystore $roots -TimeoutSec 10
            $result.Succeeded | Should -BeFalse
            $result.Failure | Should -Be $Failure
            $result.Healable | Should -Be $Healable
            $result.Reason | Should -Not -BeNullOrEmpty
        }

        It 'recommends the command that heals an incomplete chain' {
            $result = Test-TlsHandshake $lab.Target('LeafOnly') -Keystore $roots -TimeoutSec 10
            $result.Recommendation | Should -Not -BeNullOrEmpty
        }

        It 'takes Import-Csv rows (ComputerName, Port) by property name' {
            $csv = Join-Path $TestDrive 'endpoints.csv'
            @(
                [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $lab.Ports['GoodChain'] }
                [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $lab.Ports['Expired'] }
            ) | Export-Csv -LiteralPath $csv -NoTypeInformation
            $results = @(Import-Csv -LiteralPath $csv | Test-TlsHandshake -Keystore $roots -TimeoutSec 10)
            $results.Count | Should -Be 2
            # Targets are probed in parallel (-ThrottleLimit): match results by port, not by order.
            ($results | Where-Object Port -eq $lab.Ports['GoodChain']).Succeeded | Should -BeTrue
            ($results | Where-Object Port -eq $lab.Ports['Expired']).Failure | Should -Be 'Expired'
        }

        It 'takes a Uri by value' {
            $result = [uri]"https://$($lab.Target('GoodChain'))/" | Test-TlsHandshake -Keystore $roots -TimeoutSec 10
            $result.Port | Should -Be $lab.Ports['GoodChain']
            $result.Succeeded | Should -BeTrue
        }

        It 'fails clearly on a missing -Keystore' {
            { Test-TlsHandshake $lab.Target('GoodChain') -Keystore (Join-Path $TestDrive 'missing.pem') -TimeoutSec 10 -ErrorAction Stop } |
                Should -Throw -ErrorId 'CertHeal.KeystoreNotFound,CertHeal.Commands.TestTlsHandshakeCommand'
        }
    }
}

# How a user tests their own script that calls Test-TlsHandshake: Mock replaces the cmdlet, so
# the script's logic is tested without any server. Two forms: a function in the test's own
# scope (plain Mock), and a function inside a script module (Mock -ModuleName).
Describe 'Mocking Test-TlsHandshake in a user''s script' {
    BeforeAll {
        # The user's function under test: names the endpoints that do not handshake.
        function Get-BrokenEndpoint {
            param([string[]] $Endpoint)
            foreach ($target in $Endpoint) {
                $result = Test-TlsHandshake -Target $target -TimeoutSec 5
                if (-not $result.Succeeded) { "$target ($($result.Failure))" }
            }
        }

        # The same function shipped in the user's own module, which imports CertHeal itself.
        $userModule = New-Module -Name CertHealPesterUserOps -ScriptBlock {
            function Get-BrokenEndpoint {
                param([string[]] $Endpoint)
                foreach ($target in $Endpoint) {
                    $result = Test-TlsHandshake -Target $target -TimeoutSec 5
                    if (-not $result.Succeeded) { "$target ($($result.Failure))" }
                }
            }
            Export-ModuleMember -Function Get-BrokenEndpoint
        } | Import-Module -PassThru
    }

    AfterAll {
        Remove-Module CertHealPesterUserOps -ErrorAction SilentlyContinue
    }

    It 'a plain Mock replaces the cmdlet for a function in the test''s scope' {
        Mock Test-TlsHandshake {
            [pscustomobject]@{ Target = $Target; Succeeded = $Target -ne 'bad.example:443'; Failure = if ($Target -eq 'bad.example:443') { 'Expired' } else { 'None' } }
        }
        Get-BrokenEndpoint -Endpoint 'good.example:443', 'bad.example:443' | Should -Be 'bad.example:443 (Expired)'
        Should -Invoke Test-TlsHandshake -Times 2 -Exactly
        Should -Invoke Test-TlsHandshake -Times 1 -Exactly -ParameterFilter { $Target -eq 'bad.example:443' -and $TimeoutSec -eq 5 }
    }

    It 'Mock -ModuleName replaces the cmdlet inside the user''s module' {
        Mock Test-TlsHandshake { [pscustomobject]@{ Target = $Target; Succeeded = $false; Failure = 'IncompleteChain' } } -ModuleName CertHealPesterUserOps
        CertHealPesterUserOps\Get-BrokenEndpoint -Endpoint 'a.example:443' | Should -Be 'a.example:443 (IncompleteChain)'
        Should -Invoke Test-TlsHandshake -ModuleName CertHealPesterUserOps -Times 1 -Exactly
    }

    It 'the real cmdlet is back outside the mocked test' {
        (Get-Command Test-TlsHandshake).CommandType | Should -Be 'Cmdlet'
    }
}
