using System.Diagnostics;
using System.Net.Sockets;

namespace CertHeal.Lab;

/// <summary>
/// A real server process (tinyproxy, squid, postgres ...) run in the foreground by a test on a
/// loopback port: started, waited for (bounded) until its port accepts connections, and killed
/// with its process tree on dispose. Its output is kept so a start failure says why.
/// </summary>
public sealed class LabDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();
    private readonly Action? _cleanup;
    private int _disposed;

    private LabDaemon(Process process, int port, string name, Action? cleanup)
    {
        _process = process;
        Port = port;
        Name = name;
        _cleanup = cleanup;
    }

    public int Port { get; }
    public string Name { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Whether 127.0.0.1:<paramref name="port"/> accepts a connection within 2 s.</summary>
    public static bool Accepts(int port)
    {
        using var probe = new TcpClient(AddressFamily.InterNetwork);
        try
        {
            return probe.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            return false;
        }
    }

    public static string Require(string tool, string package) =>
        OpenSslServer.FindOnPath(tool)
        ?? new[] { "/usr/sbin/" + tool, "/usr/bin/" + tool }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{tool} is not installed; install the Debian package '{package}' (.ci/run does).");

    /// <summary>Starts <paramref name="file"/> and waits up to <paramref name="wait"/> for 127.0.0.1:<paramref name="port"/> to accept.</summary>
    public static async Task<LabDaemon> StartAsync(string name, string file, IEnumerable<string> arguments, int port, TimeSpan wait,
        IDictionary<string, string>? environment = null, Action? cleanup = null, string host = "127.0.0.1")
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start.");
        var daemon = new LabDaemon(process, port, name, cleanup);
        process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < wait)
        {
            if (process.HasExited)
            {
                await Task.Delay(200).ConfigureAwait(false);
                var output = daemon.Output;
                await daemon.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode} before listening on port {port}: {output}");
            }
            using var probe = new TcpClient(host.Contains(':') ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
            try
            {
                using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await probe.ConnectAsync(host, port, attempt.Token).ConfigureAwait(false);
                return daemon;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        var log = daemon.Output;
        await daemon.DisposeAsync().ConfigureAwait(false);
        throw new TimeoutException($"{name} did not listen on {host}:{port} within {wait.TotalSeconds:0} s: {log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>Runs a short helper command (initdb, chown, openssl passwd) to completion, bounded in time; returns stdout.</summary>
    public static string Run(string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not finish in time.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        }
        return stdout.Result;
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
            _cleanup?.Invoke();
        }
        return ValueTask.CompletedTask;
    }
}
