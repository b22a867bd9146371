using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CertHeal.Tests.Mutation;

/// <summary>The certificate bodies inside a JKS file and its keyed SHA-1 seal, as keytool computes it.</summary>
internal static class JksFile
{
    public static List<(int Offset, int Length)> Certificates(byte[] jks)
    {
        var found = new List<(int, int)>();
        var count = BinaryPrimitives.ReadInt32BigEndian(jks.AsSpan(8));
        var p = 12;
        for (var i = 0; i < count; i++)
        {
            var tag = BinaryPrimitives.ReadInt32BigEndian(jks.AsSpan(p));
            p += 4;
            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(jks.AsSpan(p)) + 8;
            if (tag != 2)
            {
                throw new InvalidDataException("The test's JKS reader expects trusted-certificate entries only.");
            }
            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(jks.AsSpan(p));
            var length = BinaryPrimitives.ReadInt32BigEndian(jks.AsSpan(p));
            p += 4;
            found.Add((p, length));
            p += length;
        }
        return found;
    }

    /// <summary>Recomputes the trailing digest so the store passes its integrity check and its certificates reach the parsers.</summary>
    public static void Reseal(byte[] jks, string password)
    {
        var body = jks.AsSpan(0, jks.Length - 20);
        var key = Encoding.BigEndianUnicode.GetBytes(password);
        var data = new byte[key.Length + 16 + body.Length];
        key.CopyTo(data, 0);
        Encoding.ASCII.GetBytes("Mighty Aphrodite").CopyTo(data, key.Length);
        body.CopyTo(data.AsSpan(key.Length + 16));
        SHA1.HashData(data).CopyTo(jks, jks.Length - 20);
    }
}
