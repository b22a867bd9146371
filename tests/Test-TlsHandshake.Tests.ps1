#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }

BeforeAll {
    # The built module (./build.ps1 assembles it), never the sources.
    Import-Module (Join-Path $PSScriptRoot '../out/CertHeal/CertHeal.psd1') -Force

    function Get-ClosedPort {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        $port
    }
}

Describe 'Test-TlsHandshake' {
    It 'is exported with help that has examples and documented parameters' {
        Get-Command Test-TlsHandshake -Module CertHeal | Should -Not -BeNullOrEmpty
        @((Get-Help Test-TlsHandshake -Examples).examples.example).Count | Should -BeGreaterOrEqual 2
        (Get-Help Test-TlsHandshake -Parameter Target).description | Should -Not -BeNullOrEmpty
    }

    It 'reports a closed port as a result, not an error' {
        $port = Get-ClosedPort
        $result = Test-TlsHandshake "127.0.0.1:$port" -TimeoutSec 2
        $result | Should -BeOfType ([CertHeal.HandshakeResult])
        $result.Succeeded | Should -BeFalse
        $result.Failure | Should -Be 'ConnectionRefused'
        $result.Reason | Should -Match "127.0.0.1:$port"
    }

    It 'binds ComputerName and Port by property name' {
        $port = Get-ClosedPort
        $result = [pscustomobject]@{ ComputerName = '127.0.0.1'; Port = $port } | Test-TlsHandshake -TimeoutSec 2
        $result.Port | Should -Be $port
        $result.Target | Should -Be "127.0.0.1:$port"
    }

    It 'gives a bad target a non-terminating error with an ErrorId and still runs the others' {
        { Test-TlsHandshake 'bad host name!' -ErrorAction Stop } |
            Should -Throw -ErrorId 'CertHeal.InvalidTarget,CertHeal.Commands.TestTlsHandshakeCommand'
        $port = Get-ClosedPort
        $results = Test-TlsHandshake 'bad host name!', "127.0.0.1:$port" -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable errors
        @($errors).Count | Should -Be 1
        $errors[0].TargetObject | Should -Be 'bad host name!'
        @($results).Count | Should -Be 1
    }

    It 'probes each requested protocol separately' {
        $port = Get-ClosedPort
        $results = Test-TlsHandshake "127.0.0.1:$port" -Protocol Tls12, Tls13 -TimeoutSec 2
        @($results).Count | Should -Be 2
        ($results.RequestedProtocol | Sort-Object) | Should -Be @('Tls12', 'Tls13')
    }
}
