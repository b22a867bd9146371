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
}
