using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace OrleansHa.Coordination;

/// <summary>The PEM files of a TLS identity in a cluster: the cluster's CA, and this process's certificate and private key.</summary>
/// <param name="CaFile">The cluster's CA certificate: the only issuer whose certificates this process accepts.</param>
/// <param name="CertificateFile">This process's certificate, signed by that CA.</param>
/// <param name="KeyFile">Its private key.</param>
public sealed record ClusterTlsFiles(string CaFile, string CertificateFile, string KeyFile);

/// <summary>
/// Mutual TLS between silos, and between grain clients and gateways, anchored on the cluster's own CA: each side
/// shows a certificate, and a peer is accepted only when its certificate chains to that CA (not to any public root,
/// and without a host name check: silos and gateways are reached by address, and the CA is the trust anchor).
/// </summary>
public sealed class ClusterTls : IDisposable
{
    private readonly X509Certificate2 _ca;

    private ClusterTls(X509Certificate2 ca, X509Certificate2 certificate)
    {
        _ca = ca;
        Certificate = certificate;
    }

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Loads and checks the files: each readable PEM, the certificate within its validity and signed by the CA.</summary>
    /// <exception cref="ClusterTlsException">A file is missing or unreadable, or the certificate does not fit the CA; the message names the file.</exception>
    public static ClusterTls Load(ClusterTlsFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        X509Certificate2 ca = Read(files.CaFile, "the CA certificate", () => X509Certificate2.CreateFromPem(File.ReadAllText(files.CaFile)));
        X509Certificate2 certificate = Read(files.CertificateFile, "the certificate and its key", () => X509Certificate2.CreateFromPemFile(files.CertificateFile, files.KeyFile));
        var tls = new ClusterTls(ca, certificate);
        if (!tls.IsIssuedByClusterCa(certificate))
        {
            var refused = new ClusterTlsException(
                $"the certificate '{files.CertificateFile}' ({certificate.Subject}, valid {certificate.NotBefore:u} to {certificate.NotAfter:u}) " +
                $"is not signed by the cluster's CA '{files.CaFile}' ({ca.Subject}), or is not valid now");
            tls.Dispose();
            throw refused;
        }

        return tls;
    }

    /// <summary>Whether <paramref name="certificate"/> chains to the cluster's CA and is valid now.</summary>
    public bool IsIssuedByClusterCa(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        // A private CA publishes no revocation list; the cluster replaces a leaked certificate by changing its CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>Requires a certificate from every peer, both ways, and accepts only those of the cluster's CA.</summary>
    public void Configure(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => IsIssuedByClusterCa(certificate);
    }

    public void Dispose()
    {
        _ca.Dispose();
        Certificate.Dispose();
    }

    private static X509Certificate2 Read(string file, string what, Func<X509Certificate2> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ClusterTlsException($"cannot read {what} from '{file}': {ex.Message}", ex);
        }
    }
}

/// <summary>The TLS files do not make a usable identity; the message names the file and why.</summary>
public sealed class ClusterTlsException : Exception
{
    public ClusterTlsException()
    {
    }

    public ClusterTlsException(string message) : base(message)
    {
    }

    public ClusterTlsException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
