#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

# Runs against the built module (./build.ps1 assembles out/CertHeal), never the sources.
# No network server is needed: the targets are closed or silent loopback ports, or a plain
# HTTP answer from a thread job. A closed port is given -TimeoutSec 10 because Windows takes
# about two seconds to report a refused loopback connection.

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
}
