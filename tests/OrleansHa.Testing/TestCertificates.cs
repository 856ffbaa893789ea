using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansHa.Testing;

/// <summary>The PEM files of one TLS identity: its CA's certificate, its own certificate and its key.</summary>
public sealed record TlsFiles(string Ca, string Certificate, string Key)
{
    /// <summary>The node settings that turn mutual TLS on with these files.</summary>
    public string[] NodeSettings() =>
        ["services.tls.enabled=true", $"services.tls.ca={Ca}", $"services.tls.certificate={Certificate}", $"services.tls.key={Key}"];
}

/// <summary>A certificate authority made for a test, on disk as PEM files, that issues node and client certificates.</summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly string _directory;
    private readonly ECDsa _key;
    private readonly X509Certificate2 _certificate;

    /// <summary>Makes a new CA named <paramref name="name"/> in <paramref name="directory"/>.</summary>
    public TestCertificateAuthority(string directory, string name)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        CaFile = Path.Combine(directory, $"{name}-ca.pem");
        File.WriteAllText(CaFile, _certificate.ExportCertificatePem());
    }

    /// <summary>The CA's certificate (PEM).</summary>
    public string CaFile { get; }

    /// <summary>
    /// Issues a certificate for <paramref name="name"/> on 127.0.0.1, for both ends of a connection (a silo is a server
    /// and a client of the others), and writes it and its key (mode 0600).
    /// </summary>
    public TlsFiles Issue(string name)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        using X509Certificate2 issued = request.Create(
            _certificate, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(12));
        string certificateFile = Path.Combine(_directory, $"{name}.pem");
        string keyFile = Path.Combine(_directory, $"{name}.key");
        File.WriteAllText(certificateFile, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return new TlsFiles(CaFile, certificateFile, keyFile);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
