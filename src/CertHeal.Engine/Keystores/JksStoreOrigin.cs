namespace CertHeal.Keystores;

/// <summary>The magic read (JKS or JCEKS), written back unchanged so a JCEKS store stays one.</summary>
internal sealed record JksStoreOrigin(uint Magic) : StoreOrigin;
