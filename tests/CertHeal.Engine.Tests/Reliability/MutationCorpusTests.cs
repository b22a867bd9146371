using System.Diagnostics;
using System.Text;
using CertHeal.Keystores;
using Xunit.Abstractions;

namespace CertHeal.Tests.Reliability;

/// <summary>
/// Hostile keystore bytes: every outcome is a parsed keystore or a KeystoreException with a kind,
/// never another exception type, a hang, or an allocation a length field asked for. Seeds are
/// the checked-in files under Reliability/Seeds (made by make-seeds.sh with openssl and keytool)
/// plus keystores this engine writes; a seeded loop mutates them.
/// </summary>
public sealed class MutationCorpusTests(ITestOutputHelper output)
{
    private const string SeedPassword = "seed-pass";
    private const string CorpusPath = "/corpus/mutated.keystore";

    private sealed record Seed(string Name, byte[] Bytes, string? Password);

    private static List<Seed> Seeds()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Reliability", "Seeds");
        var seeds = Directory.GetFiles(folder).Where(f => !f.EndsWith(".sh", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(f => new Seed(Path.GetFileName(f), File.ReadAllBytes(f), Path.GetFileName(f).Contains("nopassword") ? null : SeedPassword))
            .ToList();
        var certificates = ReliabilityKit.Certificates("corpus", 3);
        foreach (var name in new[] { "ours.jks", "ours.p12", "ours.pem" })
        {
            var path = Path.Combine(Path.GetTempPath(), $"certheal-corpus-{Guid.NewGuid().ToString("N")[..6]}-{name}");
            try
            {
                ReliabilityKit.CreateStore(path, certificates);
                seeds.Add(new Seed(name, File.ReadAllBytes(path), ReliabilityKit.Password));
            }
            finally
            {
                File.Delete(path);
            }
        }
        return seeds;
    }

    /// <summary>What reading <paramref name="bytes"/> gave: null when it parsed or was refused with a KeystoreException, else the problem.</summary>
    private static string? Outcome(byte[] bytes, KeystoreFormat? forced, string? password, Dictionary<string, int> kinds)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        string? problem = null;
        try
        {
            var format = forced ?? KeystoreFormats.Detect(bytes);
            if (format is null)
            {
                kinds["Unrecognized"] = kinds.GetValueOrDefault("Unrecognized") + 1;
                return null;
            }
            using var pw = password is null ? null : KeystorePassword.FromString(password);
            var keystore = KeystoreFormats.Codec(format.Value, CorpusPath).Read(bytes, CorpusPath, pw);
            kinds["Parsed"] = kinds.GetValueOrDefault("Parsed") + 1;
            _ = keystore.Entries.Count;
        }
        catch (KeystoreException e)
        {
            kinds[e.Kind.ToString()] = kinds.GetValueOrDefault(e.Kind.ToString()) + 1;
            if (string.IsNullOrWhiteSpace(e.Message) || !e.Message.Contains(CorpusPath, StringComparison.Ordinal))
            {
                problem = $"KeystoreException {e.Kind} without the file's name: {e.Message}";
            }
        }
        catch (Exception e)
        {
            problem = $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
        var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (used > 32L * 1024 * 1024 + 64L * bytes.Length)
        {
            problem ??= $"allocated {used / 1024 / 1024} MiB for {bytes.Length} bytes";
        }
        if (clock.Elapsed > TimeSpan.FromSeconds(3))
        {
            problem ??= $"took {clock.Elapsed.TotalSeconds:0.0} s";
        }
        return problem;
    }

    [Fact]
    public void Every_seed_reads_as_expected_before_it_is_mutated()
    {
        var refused = new Dictionary<string, string>
        {
            ["bundle.p7b"] = "Corrupt", // a PKCS#7 bundle is certificate input, not a DER keystore of one certificate
        };
        // Legacy PBE (RC2/3DES) PKCS#12: refused as Unsupported until the BouncyCastle reader lands, parsed after.
        string[] legacy = ["Parsed", "Unsupported"];
        foreach (var seed in Seeds())
        {
            var kinds = new Dictionary<string, int>();
            Assert.Null(Outcome(seed.Bytes, null, seed.Password, kinds));
            output.WriteLine($"{seed.Name}: {string.Join(", ", kinds.Keys)}");
            var kind = Assert.Single(kinds.Keys);
            if (seed.Name == "key-legacy.p12")
            {
                Assert.Contains(kind, legacy);
            }
            else
            {
                Assert.Equal(refused.GetValueOrDefault(seed.Name, "Parsed"), kind);
            }
        }
    }

    [Fact]
    public void Twenty_thousand_seeded_mutations_end_in_a_keystore_or_a_KeystoreException()
    {
        const int Mutations = 20_000;
        var budget = TimeSpan.FromSeconds(60);
        var seeds = Seeds();
        var random = new Random(14_2026);
        var kinds = new Dictionary<string, int>();
        var failures = new List<string>();
        var formats = new KeystoreFormat?[] { null, KeystoreFormat.PemBundle, KeystoreFormat.Der, KeystoreFormat.Pkcs12, KeystoreFormat.Jks };
        var done = 0;
        var clock = Stopwatch.StartNew();
        var current = "";
        // A dedicated thread, so a hang is reported (with the input that caused it) instead of stalling the run.
        var worker = new Thread(() =>
        {
            while (done < Mutations && clock.Elapsed < budget)
            {
                var seed = seeds[random.Next(seeds.Count)];
                var (bytes, how) = Mutate(seed.Bytes, seeds, random);
                // Half with the seed's password, a quarter without one, a quarter with a wrong one.
                var password = random.Next(4) switch { 0 => null, 1 => "wrong-password", _ => seed.Password };
                var forced = formats[random.Next(formats.Length)];
                current = $"#{done} {seed.Name} {how} as {forced?.ToString() ?? "detected"}";
                if (Outcome(bytes, forced, password, kinds) is { } problem && failures.Count < 1000)
                {
                    failures.Add($"{current}: {problem}");
                }
                done++;
            }
        }, 16 * 1024 * 1024) { IsBackground = true };
        worker.Start();
        Assert.True(worker.Join(budget + TimeSpan.FromSeconds(30)), $"hang: the parser did not return on input {current}");

        output.WriteLine($"{done} mutations in {clock.Elapsed.TotalSeconds:0.0} s, {failures.Count} unexpected outcomes; " + string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        foreach (var failure in failures.Take(40))
        {
            output.WriteLine(failure);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} unexpected outcomes, first: {string.Join("\n", failures.Take(10))}");
        Assert.True(done >= Mutations || clock.Elapsed >= budget);
        Assert.True(done >= 5_000, $"only {done} mutations ran in {budget.TotalSeconds} s");
    }

    public static TheoryData<string> Shapes() => new()
    {
        "zero-length", "50MB-binary", "50MB-pem-armour", "65MB", "der-huge-length", "der-deep-nesting", "ber-deep-indefinite",
        "jks-count-beyond-file", "jks-alias-length-beyond-file", "jks-version-7", "pkcs12-version-4", "pkcs12-huge-iterations",
        "pem-garbage-between-blocks", "pem-unterminated-block",
    };

    /// <summary>The named hostile shapes, each through the real file path (KeystoreFile.Open) with bounded time and memory.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void Hostile_shapes_end_in_a_keystore_or_one_KeystoreException(string shape)
    {
        var seeds = Seeds().ToDictionary(s => s.Name);
        var jks = seeds["ours.jks"].Bytes;
        byte[] bytes = shape switch
        {
            "zero-length" => [],
            "50MB-binary" => Filled(50 * 1024 * 1024, 0xA5),
            "50MB-pem-armour" => [.. "-----BEGIN CERTIFICATE-----\n"u8, .. Filled(50 * 1024 * 1024, (byte)'A')],
            "65MB" => Filled(65 * 1024 * 1024, 0x30),
            "der-huge-length" => [0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xF0, 0x02, 0x01, 0x03],
            "der-deep-nesting" => DeepDefinite(20_000),
            "ber-deep-indefinite" => [.. Enumerable.Repeat<byte[]>([0x30, 0x80], 50_000).SelectMany(b => b), .. new byte[100_000]],
            "jks-count-beyond-file" => Patched(jks, 8, [0x00, 0x0F, 0xFF, 0xFF]),
            "jks-alias-length-beyond-file" => Patched(jks, 16, [0xFF, 0xFF]),
            "jks-version-7" => Patched(jks, 4, [0, 0, 0, 7]),
            "pkcs12-version-4" => Pkcs12Version(seeds["ours.p12"].Bytes, 4),
            "pkcs12-huge-iterations" => Pkcs12Iterations(seeds["certs-password.p12"].Bytes),
            "pem-garbage-between-blocks" => seeds["bundle-with-garbage.pem"].Bytes,
            "pem-unterminated-block" => [.. seeds["bundle.pem"].Bytes, .. "-----BEGIN CERTIFICATE-----\nMIIB"u8],
            _ => throw new ArgumentException(shape),
        };
        var path = Path.Combine(Path.GetTempPath(), $"certheal-shape-{Guid.NewGuid().ToString("N")[..6]}-{shape}");
        File.WriteAllBytes(path, bytes);
        try
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                using var pw = KeystorePassword.FromString(shape.StartsWith("pkcs12-huge", StringComparison.Ordinal) ? SeedPassword : ReliabilityKit.Password);
                outcome = $"parsed, {KeystoreFile.Open(path, null, pw).Entries.Count} entries";
            }
            catch (KeystoreException e)
            {
                Assert.Contains(path, e.Message);
                outcome = $"{e.Kind}: {e.Message}";
            }
            var used = GC.GetAllocatedBytesForCurrentThread() - before;
            output.WriteLine($"{shape}: {outcome} ({clock.Elapsed.TotalMilliseconds:0} ms, {used / 1024 / 1024} MiB)");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
            Assert.True(used < 64L * 1024 * 1024 + 4L * bytes.Length, $"allocated {used / 1024 / 1024} MiB");
            if (shape == "pem-garbage-between-blocks")
            {
                Assert.Equal("parsed, 2 entries", outcome);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Filled(int length, byte value)
    {
        var bytes = new byte[length];
        Array.Fill(bytes, value);
        return bytes;
    }

    private static byte[] Patched(byte[] bytes, int offset, byte[] patch)
    {
        var copy = (byte[])bytes.Clone();
        patch.CopyTo(copy, offset);
        return copy;
    }

    /// <summary>SEQUENCE inside SEQUENCE, <paramref name="depth"/> deep, with correct definite lengths.</summary>
    private static byte[] DeepDefinite(int depth)
    {
        byte[] inner = [0x05, 0x00];
        for (var i = 0; i < depth; i++)
        {
            var w = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
            using (w.PushSequence())
            {
                w.WriteEncodedValue(inner);
            }
            inner = w.Encode();
        }
        return inner;
    }

    private static byte[] Pkcs12Version(byte[] pfx, int version)
    {
        // PFX ::= SEQUENCE { version INTEGER (3), ... }: the version byte follows the outer header.
        var copy = (byte[])pfx.Clone();
        var header = copy[1] < 0x80 ? 2 : 2 + (copy[1] & 0x7F);
        Assert.Equal(0x02, copy[header]);
        copy[header + 2] = (byte)version;
        return copy;
    }

    /// <summary>The same PFX with the MAC's iteration count raised to int.MaxValue (hours of key derivation if believed).</summary>
    private static byte[] Pkcs12Iterations(byte[] pfx)
    {
        var outer = new System.Formats.Asn1.AsnReader(pfx, System.Formats.Asn1.AsnEncodingRules.BER).ReadSequence();
        var version = outer.ReadEncodedValue();
        var authSafe = outer.ReadEncodedValue();
        var mac = outer.ReadSequence();
        var digest = mac.ReadEncodedValue();
        var salt = mac.ReadEncodedValue();
        var writer = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteEncodedValue(version.Span);
            writer.WriteEncodedValue(authSafe.Span);
            using (writer.PushSequence())
            {
                writer.WriteEncodedValue(digest.Span);
                writer.WriteEncodedValue(salt.Span);
                writer.WriteInteger(int.MaxValue);
            }
        }
        return writer.Encode();
    }

    private static (byte[] Bytes, string How) Mutate(byte[] seed, List<Seed> seeds, Random random)
    {
        var bytes = seed.ToList();
        var steps = new List<string>();
        for (var n = 1 + random.Next(3); n > 0; n--)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(10))
            {
                case 0:
                    for (var flips = 1 + random.Next(8); flips > 0 && bytes.Count > 0; flips--)
                    {
                        var i = random.Next(bytes.Count);
                        bytes[i] ^= (byte)(1 << random.Next(8));
                    }
                    steps.Add("bitflip");
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    steps.Add($"truncate@{at}");
                    break;
                case 2:
                    if (bytes.Count > 0)
                    {
                        bytes[at] = new byte[] { 0x00, 0xFF, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x84, 0x30, 0x04 }[random.Next(10)];
                    }
                    steps.Add($"boundary@{at}");
                    break;
                case 3:
                    var junk = new byte[1 + random.Next(64)];
                    random.NextBytes(junk);
                    bytes.InsertRange(at, junk);
                    steps.Add($"insert{junk.Length}@{at}");
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(64)));
                    steps.Add($"delete@{at}");
                    break;
                case 5:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(256));
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                    steps.Add($"duplicate{length}");
                    break;
                case 6:
                    // A length field claiming gigabytes: ASN.1 long form, or a 32-bit count/length as JKS stores them.
                    byte[] huge = random.Next(2) == 0 ? [0x84, 0x7F, 0xFF, 0xFF, 0xFF] : [0x7F, 0xFF, 0xFF, 0xFF];
                    for (var i = 0; i < huge.Length && at + i < bytes.Count; i++)
                    {
                        bytes[at + i] = huge[i];
                    }
                    steps.Add($"hugelength@{at}");
                    break;
                case 7:
                    var other = seeds[random.Next(seeds.Count)].Bytes;
                    var cut = random.Next(other.Length);
                    bytes.RemoveRange(at, bytes.Count - at);
                    bytes.AddRange(other.AsSpan(cut).ToArray());
                    steps.Add($"splice@{at}");
                    break;
                case 8:
                    // Text-level: garbage lines and changed base64 characters inside PEM armour.
                    var line = Encoding.ASCII.GetBytes(random.Next(2) == 0 ? "\n-----BEGIN CERTIFICATE-----\nAAAA\n" : "\ngarbage between blocks \u0001\n");
                    bytes.InsertRange(at, line);
                    steps.Add($"textline@{at}");
                    break;
                default:
                    if (bytes.Count > 0)
                    {
                        bytes[at] = (byte)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-\n"[random.Next(67)];
                    }
                    steps.Add($"base64char@{at}");
                    break;
            }
        }
        return (bytes.ToArray(), string.Join('+', steps));
    }
}
