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

# A loopback HTTP server (System.Net.HttpListener on a background runspace) for the request cmdlet:
# -Routes maps a path to @{ Status = 200; ContentType = 'text/plain'; Body = '...'; Headers = @{} };
# every request's path and headers are queued in .Requests. Stop it with Stop-TestHttpServer.
function Start-TestHttpServer {
    param([hashtable] $Routes)
    $port = Get-ClosedPort
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add("http://127.0.0.1:$port/")
    $listener.Start()
    $requests = [System.Collections.Concurrent.ConcurrentQueue[object]]::new()
    $shell = [powershell]::Create()
    $null = $shell.AddScript({
        param($Listener, $Routes, $Requests)
        while ($Listener.IsListening) {
            try { $context = $Listener.GetContext() } catch { break }
            $path = $context.Request.Url.AbsolutePath
            $headers = @{}
            foreach ($name in $context.Request.Headers.AllKeys) { $headers[$name] = $context.Request.Headers[$name] }
            $Requests.Enqueue([pscustomobject]@{ Path = $path; Headers = $headers })
            $route = $Routes[$path]
            if (-not $route) { $route = @{ Status = 404; Body = 'not found' } }
            $response = $context.Response
            $response.StatusCode = if ($route.Status) { $route.Status } else { 200 }
            $response.ContentType = if ($route.ContentType) { $route.ContentType } else { 'text/plain' }
            if ($route.Headers) { foreach ($name in $route.Headers.Keys) { $response.Headers[$name] = $route.Headers[$name] } }
            $bytes = [System.Text.Encoding]::UTF8.GetBytes([string]$route.Body)
            $response.ContentLength64 = $bytes.Length
            $response.OutputStream.Write($bytes, 0, $bytes.Length)
            $response.Close()
        }
    }).AddArgument($listener).AddArgument($Routes).AddArgument($requests)
    $null = $shell.BeginInvoke()
    [pscustomobject]@{ Url = "http://127.0.0.1:$port"; Listener = $listener; Shell = $shell; Requests = $requests }
}

function Stop-TestHttpServer {
    param($Server)
    $Server.Listener.Stop()
    $Server.Listener.Close()
    $Server.Shell.Dispose()
}

# The headers of the last request the test server got for a path.
function Get-TestHttpRequest {
    param($Server, [string] $Path)
    @($Server.Requests.ToArray() | Where-Object Path -EQ $Path)[-1].Headers
}
