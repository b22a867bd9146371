namespace CertHeal.Lab;

/// <summary>
/// Real HTTP CONNECT proxies on loopback: tinyproxy and squid, each with or without Basic
/// authentication (squid's basic_ncsa_auth over an htpasswd file made with openssl passwd -apr1),
/// and squid configured to refuse CONNECT to one port (403).
/// </summary>
public static class LabProxies
{
    public const string User = "certheal";

    /// <summary>
    /// A squid NTLM helper filter (Python, squid's helper protocol: one request line in, one
    /// reply line out). Debian 12's squid 5.7 ntlm_fake_auth answers "YR" with a malformed
    /// Type 2 challenge: its TargetName buffer claims offset 0xAAAAAAAE in a 49-byte message and
    /// its flags claim a TargetInfo it does not carry, so no conforming NTLM client (neither .NET's
    /// managed NTLM nor gss-ntlmssp) can answer it. The filter keeps the helper's server challenge
    /// and flags and re-encodes the message per MS-NLMP 2.2.1.2 (TargetName "WORKGROUP",
    /// TargetInfo with NetBIOS domain and computer names, Version); Type 3 ("KK") and the helper's
    /// verdict pass through untouched.
    /// </summary>
    public const string NtlmChallengeRepair = """
        import base64, struct, subprocess, sys
        helper = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        def av(kind, text):
            data = text.encode('utf-16-le')
            return struct.pack('<HH', kind, len(data)) + data
        for line in sys.stdin:
            helper.stdin.write(line)
            helper.stdin.flush()
            reply = helper.stdout.readline()
            if not reply:
                break
            if reply.startswith('TT '):
                old = base64.b64decode(reply[3:].strip())
                flags, = struct.unpack_from('<I', old, 20)
                name = 'WORKGROUP'.encode('utf-16-le')
                info = av(2, 'WORKGROUP') + av(1, 'LAB') + struct.pack('<HH', 0, 0)
                head = 56
                message = (b'NTLMSSP\0' + struct.pack('<I', 2) + struct.pack('<HHI', len(name), len(name), head)
                    + struct.pack('<I', (flags | 0x00800001) & ~0x2) + old[24:32] + bytes(8)
                    + struct.pack('<HHI', len(info), len(info), head + len(name)) + bytes([6, 1, 0, 0, 0, 0, 0, 15]) + name + info)
                reply = 'TT ' + base64.b64encode(message).decode() + '\n'
            sys.stdout.write(reply)
            sys.stdout.flush()
        """;

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
    /// <param name="ntlm">Only NTLM authentication, by squid's ntlm_fake_auth helper (it accepts any credentials once the Type 1/2/3 exchange is complete).</param>
    /// <param name="repairNtlmChallenge">Put a filter between squid and ntlm_fake_auth that re-encodes the helper's Type 2 challenge well-formed (see <see cref="NtlmChallengeRepair"/>).</param>
    public static async Task<LabDaemon> StartSquidAsync(string folder, string? password = null, int? deniedPort = null, bool ntlm = false, bool repairNtlmChallenge = false)
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
        if (ntlm)
        {
            var helper = new[] { "/usr/lib/squid/ntlm_fake_auth", "/usr/lib/squid3/ntlm_fake_auth" }.FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException("squid's ntlm_fake_auth helper is missing; install the Debian package 'squid'.");
            var program = helper;
            if (repairNtlmChallenge)
            {
                // Debian's python, not the first on PATH: squid runs helpers as its own user, who cannot reach a python under /root.
                var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3"
                    : throw new InvalidOperationException("/usr/bin/python3 is missing; install the Debian package 'python3'.");
                var filter = Path.Combine(dir, "ntlm_challenge_repair.py");
                File.WriteAllText(filter, NtlmChallengeRepair);
                program = $"{python} {filter} {helper}";
            }
            lines.AddRange([$"auth_param ntlm program {program}", "auth_param ntlm children 2", "acl authed proxy_auth REQUIRED"]);
        }
        lines.AddRange(["acl CONNECT method CONNECT", "acl from_lab src 127.0.0.1/32"]);
        if (deniedPort is { } denied)
        {
            lines.Add($"acl denied_port port {denied}");
            lines.Add("http_access deny CONNECT denied_port");
        }
        lines.Add(password is null && !ntlm ? "http_access allow from_lab" : "http_access allow from_lab authed");
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
