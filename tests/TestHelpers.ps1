# Shared by the Pester files: dot-source it in BeforeAll.

# A loopback port nothing listens on (free a moment ago).
function Get-ClosedPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $port = $listener.LocalEndpoint.Port
    $listener.Stop()
    $port
}

# Every merge records into the trust ledger: keep the tests' records out of ~/.certheal.
if (-not $env:CERTHEAL_LEDGER) {
    $env:CERTHEAL_LEDGER = Join-Path ([System.IO.Path]::GetTempPath()) "certheal-pester-ledger-$PID/ledger.json"
}
