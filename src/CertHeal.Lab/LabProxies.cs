namespace CertHeal.Lab;

/// <summary>
/// Real HTTP CONNECT proxies on loopback: tinyproxy and squid, each with or without Basic
/// authentication (squid's basic_ncsa_auth over an htpasswd file made with openssl passwd -apr1),
/// and squid configured to refuse CONNECT to one port (403).
/// </summary>
public static class LabProxies
{
    public const string User = "certheal";

    public static async Task<LabDaemon> StartTinyProxyAsync(string folder, string? password = null)
    {
        var tinyproxy = LabDaemon.Require("tinyproxy", "tinyproxy");
        var dir = Directory.CreateDirectory(Path.Combine(folder, "tinyproxy-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        for (var attempt = 0; ; attempt++)
        {
            var port = LabListener.ClosedPort();
            var config = Path.Combine(dir, "tinyproxy.conf");
            File.WriteAllLines(config, new[]
            {
                $"Port {port}", "Listen 127.0.0.1", "Timeout 30", "MaxClients 20", "LogLevel Error",
                "User nobody", "Group nogroup", "Allow 127.0.0.1", "DisableViaHeader Yes",
            }.Concat(password is null ? [] : [$"BasicAuth {User} {password}"]));
            try
            {
                return await LabDaemon.StartAsync("tinyproxy", tinyproxy, ["-d", "-c", config], port, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
                // the port was taken between the probe and the bind: try another
            }
        }
    }

    /// <param name="deniedPort">CONNECT to this port is refused with 403 (the proxy's policy).</param>
    public static async Task<LabDaemon> StartSquidAsync(string folder, string? password = null, int? deniedPort = null)
    {
        var squid = LabDaemon.Require("squid", "squid");
        var dir = Directory.CreateDirectory(Path.Combine(folder, "squid-" + Guid.NewGuid().ToString("N")[..6])).FullName;
        var lines = new List<string>();
        if (password is not null)
        {
            var hash = LabDaemon.Run("openssl", ["passwd", "-apr1", password]).Trim();
            var htpasswd = Path.Combine(dir, "htpasswd");
            File.WriteAllText(htpasswd, $"{User}:{hash}\n");
            var helper = new[] { "/usr/lib/squid/basic_ncsa_auth", "/usr/lib/squid3/basic_ncsa_auth" }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("squid's basic_ncsa_auth helper is missing; install the Debian package 'squid'.");
            lines.AddRange([$"auth_param basic program {helper} {htpasswd}", "auth_param basic realm certheal", "acl authed proxy_auth REQUIRED"]);
        }
        lines.AddRange(["acl CONNECT method CONNECT", "acl from_lab src 127.0.0.1/32"]);
        if (deniedPort is { } denied)
        {
            lines.Add($"acl denied_port port {denied}");
            lines.Add("http_access deny CONNECT denied_port");
        }
        lines.Add(password is null ? "http_access allow from_lab" : "http_access allow from_lab authed");
        lines.Add("http_access deny all");
        lines.AddRange([
            $"pid_filename {dir}/squid.pid", $"cache_log {dir}/cache.log", "access_log none", "cache deny all",
            $"coredump_dir {dir}", "shutdown_lifetime 0 seconds", "forwarded_for delete", "via off",
        ]);
        // squid drops root for its effective user: let it write its pid and log here.
        LabDaemon.Run("chmod", ["0777", dir]);
        for (var attempt = 0; ; attempt++)
        {
            var port = LabListener.ClosedPort();
            var config = Path.Combine(dir, "squid.conf");
            File.WriteAllLines(config, new[] { $"http_port 127.0.0.1:{port}" }.Concat(lines));
            try
            {
                return await LabDaemon.StartAsync("squid", squid, ["-N", "-f", config], port, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (InvalidOperationException) when (attempt < 2)
            {
            }
        }
    }
}
