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

# Real loopback TLS servers from the lab (src/CertHeal.Lab), run as a separate process by
# tests/CertHeal.LabHost so the servers outlive no test and share nothing with the runspace.
# Returns Ports (scenario name -> port), TrustedRootPem (the lab root no machine store holds:
# hand it to -Keystore), Folder, TrustedRootFingerprint and UntrustedRootFingerprint (SHA-256),
# and a Stop() method. Call Stop-CertHealLab in AfterAll. Every wait is bounded.
function Start-CertHealLab {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)]
        [string[]] $Scenario,
        [ValidateRange(1, 600)]
        [int] $TimeoutSec = 60
    )
    $root = Split-Path $PSScriptRoot -Parent
    # The configuration build.ps1 last built; CERTHEAL_CONFIGURATION picks one when both exist.
    $candidates = foreach ($configuration in @($env:CERTHEAL_CONFIGURATION, 'Debug', 'Release') | Where-Object { $_ }) {
        Get-Item -LiteralPath (Join-Path $root "tests/CertHeal.LabHost/bin/$configuration/net10.0/CertHeal.LabHost.dll") -ErrorAction SilentlyContinue
    }
    $dll = if ($env:CERTHEAL_CONFIGURATION) { $candidates | Select-Object -First 1 } else { $candidates | Sort-Object LastWriteTimeUtc -Descending | Select-Object -First 1 }
    if (-not $dll) { throw "CertHeal.LabHost.dll is not built under $root/tests/CertHeal.LabHost/bin: run ./build.ps1 -SkipTests first." }
    $dotnet = (Get-Command dotnet -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source

    $info = [System.Diagnostics.ProcessStartInfo]::new($dotnet)
    $info.ArgumentList.Add($dll.FullName)
    foreach ($name in $Scenario) { $info.ArgumentList.Add($name) }
    # An orphaned host (this process killed before AfterAll) still goes away on its own.
    $info.ArgumentList.Add('--max-minutes')
    $info.ArgumentList.Add('30')
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    # Read stderr in the background so a chatty host can never block on a full pipe.
    $stderr = $process.StandardError.ReadToEndAsync()

    $read = $process.StandardOutput.ReadLineAsync()
    $line = if ($read.Wait([timespan]::FromSeconds($TimeoutSec))) { $read.Result } else { $null }
    if (-not $line) {
        $null = $stderr.Wait(2000)
        $why = if ($stderr.IsCompleted) { $stderr.Result.Trim() } else { '' }
        try { $process.Kill($true) } catch { $null = $_ }  # already gone
        $null = $process.WaitForExit(5000)
        throw "The lab host did not start within $TimeoutSec s ($Scenario). $why"
    }
    $ready = $line | ConvertFrom-Json
    $ports = [ordered]@{}
    foreach ($property in $ready.Ports.PSObject.Properties) { $ports[$property.Name] = [int] $property.Value }

    $lab = [pscustomobject]@{
        PSTypeName               = 'CertHeal.TestLab'
        Ports                    = $ports
        TrustedRootPem           = $ready.TrustedRootPem
        Folder                   = $ready.Folder
        TrustedRootFingerprint   = $ready.TrustedRootFingerprint
        UntrustedRootFingerprint = $ready.UntrustedRootFingerprint
        Process                  = $process
    }
    # Closing stdin is the host's stop signal; it then stops its servers and removes Folder.
    $lab | Add-Member -MemberType ScriptMethod -Name Stop -Value {
        if ($this.Process.HasExited) { return }
        try { $this.Process.StandardInput.Close() } catch { $null = $_ }  # the pipe may be gone already
        if (-not $this.Process.WaitForExit(15000)) {
            $this.Process.Kill($true)
            $null = $this.Process.WaitForExit(5000)
        }
    }
    # 'GoodChain' -> '127.0.0.1:PORT', the form users type.
    $lab | Add-Member -MemberType ScriptMethod -Name Target -Value {
        param([string] $Name)
        if (-not $this.Ports.Contains($Name)) { throw "The lab was not started with scenario $Name." }
        "127.0.0.1:$($this.Ports[$Name])"
    }
    $lab
}

function Stop-CertHealLab {
    param([Parameter(ValueFromPipeline)] $Lab)
    process { if ($Lab) { $Lab.Stop() } }
}
