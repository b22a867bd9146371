namespace CertHeal.Keystores;

/// <summary>Bytes to entries and back for one single-file format; files, locks and renames live in <see cref="KeystoreFile"/>.</summary>
internal interface IKeystoreCodec
{
    KeystoreFormat Format { get; }

    Keystore Read(byte[] bytes, string path, KeystorePassword? password);

    byte[] Write(Keystore keystore, KeystorePassword? password);
}
