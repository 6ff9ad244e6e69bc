using JobExporter.Redis;
using JobExporter.Security;
using JobExporter.Transport;

namespace JobExporter.Configuration;

/// <summary>Celery on a Redis broker (--celery.broker-url redis:// or rediss://); defaults are in <see cref="Flags"/>.</summary>
internal sealed record CeleryRedisOptions
{
    public required RedisUrl Url { get; init; }

    /// <summary>From --celery.broker-password-file or its environment variable; replaces the URL's. Null: the URL's.</summary>
    public Secret? Password { get; init; }

    /// <summary>CAs and client certificate for rediss://. Default <see cref="BrokerTls.None"/>.</summary>
    public BrokerTls Tls { get; init; } = BrokerTls.None;

    /// <summary>Most bytes of messages read and not yet applied (--celery.redis-buffer-bytes).</summary>
    public required long BufferBytes { get; init; }

    /// <summary>The password sent: the one from a file or the environment, else the URL's.</summary>
    public Secret? EffectivePassword => Password ?? Url.Password;

    public static CeleryRedisOptions? Read(FlagValues values)
    {
        if (values.Get(Flags.CeleryBrokerUrl) is not { Length: > 0 } text) return null;
        var url = RedisUrl.Parse(text, Flags.CeleryBrokerUrl);
        return new CeleryRedisOptions
        {
            Url = url,
            Password = BrokerSecrets.Password(values, Flags.CeleryBrokerPasswordFile, Flags.CeleryBrokerPassword),
            Tls = BrokerSecrets.Tls(values,
                new BrokerSecrets.TlsFlags(Flags.CeleryBrokerCaFile, Flags.CeleryBrokerCertFile, Flags.CeleryBrokerKeyFile, "a rediss:// --celery.broker-url"), url.Tls),
            BufferBytes = OptionsReader.Integer(values, Flags.CeleryRedisBufferBytes, 1 << 20, 1L << 40),
        };
    }
}
