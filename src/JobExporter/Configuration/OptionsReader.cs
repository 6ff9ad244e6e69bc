using System.Globalization;
using System.Text.RegularExpressions;
using JobExporter.Contracts;
using JobExporter.Security;
using JobExporter.Transport;

namespace JobExporter.Configuration;

/// <summary>Turns flag text into <see cref="ExporterOptions"/>, with one clear message for the first bad value.</summary>
internal static partial class OptionsReader
{
    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex MetricName();

    public static ExporterOptions Read(FlagValues values, string hostname)
    {
        var prefix = Text(values, Flags.MetricsPrefix);
        if (!MetricName().IsMatch(prefix)) throw new FlagException($"--metrics.prefix '{prefix}' is not a valid metric name prefix");
        var purgeAfter = Duration(values, Flags.WorkerPurgeAfter);
        var brokerUrls = BrokerUrlList.Parse(NonEmpty(values, Flags.BrokerUrl));
        var brokerUrl = brokerUrls[0];
        var celeryRedis = CeleryRedisOptions.Read(values);
        if (celeryRedis is not null && !Bool(values, Flags.CeleryEnabled))
        {
            throw new FlagException("--celery.broker-url needs --celery.enabled");
        }
        return new ExporterOptions
        {
            BrokerUrl = brokerUrl,
            BrokerUrls = brokerUrls,
            BrokerPassword = BrokerSecrets.Password(values),
            BrokerTls = BrokerSecrets.Tls(values, brokerUrl),
            Exchange = NonEmpty(values, Flags.BrokerExchange),
            Queue = NonEmpty(values, Flags.BrokerQueue).Replace(Flags.HostnamePlaceholder, hostname, StringComparison.Ordinal),
            BindingKeys = values.GetAll(Flags.BrokerBindingKey),
            QueueMaxLength = Integer(values, Flags.BrokerQueueMaxLength, 1, long.MaxValue),
            QueueExpires = Duration(values, Flags.BrokerQueueExpires),
            Prefetch = (ushort)Integer(values, Flags.BrokerPrefetch, 1, ushort.MaxValue),
            QueueType = QueueTypes.Parse(OneOf(values, Flags.BrokerQueueType, QueueTypes.Names)),
            ListenAddress = ListenAddress(values),
            TelemetryPath = Path(values),
            ProcessMetrics = !Bool(values, Flags.WebDisableExporterMetrics),
            Web = values.Get(Flags.WebConfigFile) is { Length: > 0 } webConfig ? WebConfigReader.Read(webConfig) : WebConfig.None,
            Ingest = Bool(values, Flags.WebEnableIngest),
            WorkerTimeout = values.Get(Flags.WorkerTimeout) is null ? null : Duration(values, Flags.WorkerTimeout),
            WorkerPurgeAfter = purgeAfter,
            MetricsPrefix = prefix,
            StaticLabels = StaticLabels(values),
            RuntimeBuckets = Buckets(values, Flags.MetricsRuntimeBuckets),
            WaitBuckets = Buckets(values, Flags.MetricsWaitBuckets),
            MaxLabelValues = (int)Integer(values, Flags.MetricsMaxValues, 1, 1_000_000),
            MaxLabelLength = (int)Integer(values, Flags.MetricsMaxLabelLength, 8, 4096),
            MaxSeries = (int)Integer(values, Flags.MetricsMaxSeries, 100, 100_000_000),
            HistogramHostnameLabel = Bool(values, Flags.MetricsHistogramHostname),
            JobHostnameLabel = Bool(values, Flags.MetricsJobHostname),
            DedupWindow = (int)Integer(values, Flags.EventsDedupWindow, 0, 10_000_000),
            ParserLimits = new EventParserLimits { MaxMessageBytes = (int)Integer(values, Flags.EventsMaxMessageBytes, 1024, 64 * 1024 * 1024) },
            Systems = List(values.Get(Flags.Systems)),
            RabbitMqQueues = values.GetAll(Flags.RabbitMqQueues).SelectMany(List).Select(QueueOf).Distinct().ToList(),
            RabbitMqPollInterval = Positive(values, Flags.RabbitMqPollInterval),
            CollectorTimeout = Positive(values, Flags.CollectorTimeout),
            HangfirePostgres = values.Get(Flags.HangfirePostgres) is { Length: > 0 } pg ? pg : null,
            HangfireSchema = NonEmpty(values, Flags.HangfireSchema),
            HangfirePollInterval = Positive(values, Flags.HangfirePollInterval),
            Celery = new CeleryOptions
            {
                Enabled = Bool(values, Flags.CeleryEnabled),
                Exchange = NonEmpty(values, Flags.CeleryExchange),
                Queue = NonEmpty(values, Flags.CeleryQueue).Replace(Flags.HostnamePlaceholder, hostname, StringComparison.Ordinal),
                TaskIndexSize = (int)Integer(values, Flags.CeleryTaskIndexSize, 1, 10_000_000),
                ExporterNames = Bool(values, Flags.CeleryExporterNames),
                ExporterRuntimeBuckets = Buckets(values, Flags.CeleryExporterRuntimeBuckets),
                Redis = celeryRedis,
            },
            // Celery on Redis or HTTP ingest alone needs no RabbitMQ: the events consumer runs when --broker.url is given or
            // neither of those is on.
            RabbitMqEvents = values.IsSet(Flags.BrokerUrl) || celeryRedis is null && !Bool(values, Flags.WebEnableIngest),
            LogLevel = OneOf(values, Flags.LogLevel, "debug", "info", "warn", "error"),
            LogFormat = OneOf(values, Flags.LogFormat, "text", "json"),
        };
    }

    private static string Text(FlagValues values, Flag flag) => values.Get(flag) ?? "";

    private static string NonEmpty(FlagValues values, Flag flag)
    {
        var text = Text(values, flag);
        return text.Length > 0 ? text : throw new FlagException($"--{flag.Name} must not be empty");
    }

    private static string ListenAddress(FlagValues values)
    {
        var text = NonEmpty(values, Flags.WebListenAddress);
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FlagException($"--web.listen-address '{text}' must be host:port or :port");
        }
        return text;
    }

    private static string Path(FlagValues values)
    {
        var text = NonEmpty(values, Flags.WebTelemetryPath);
        if (!text.StartsWith('/') || text is "/" or "/healthz" or "/readyz")
        {
            throw new FlagException($"--web.telemetry-path '{text}' must start with / and not be /, /healthz or /readyz");
        }
        return text;
    }

    private static TimeSpan Duration(FlagValues values, Flag flag)
    {
        var text = Text(values, flag);
        return DurationParser.TryParse(text, out var duration)
            ? duration
            : throw new FlagException($"--{flag.Name} '{text}' is not a duration such as 30s, 10m or 1h");
    }

    private static TimeSpan Positive(FlagValues values, Flag flag)
    {
        var duration = Duration(values, flag);
        return duration > TimeSpan.Zero ? duration : throw new FlagException($"--{flag.Name} must be longer than 0s");
    }

    internal static long Integer(FlagValues values, Flag flag, long min, long max)
    {
        var text = Text(values, flag);
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            throw new FlagException($"--{flag.Name} '{text}' must be a whole number from {min} to {max}");
        }
        return number;
    }

    private static bool Bool(FlagValues values, Flag flag) => Text(values, flag) switch
    {
        "true" or "1" => true,
        "false" or "0" or "" => false,
        var other => throw new FlagException($"--{flag.Name} '{other}' must be true or false"),
    };

    private static string OneOf(FlagValues values, Flag flag, params string[] allowed)
    {
        var text = Text(values, flag).ToLowerInvariant();
        return allowed.Contains(text) ? text : throw new FlagException($"--{flag.Name} '{text}' must be one of {string.Join(", ", allowed)}");
    }

    private static double[] Buckets(FlagValues values, Flag flag)
    {
        var items = List(Text(values, flag));
        var buckets = new double[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (!double.TryParse(items[i], NumberStyles.Float, CultureInfo.InvariantCulture, out buckets[i]) || !double.IsFinite(buckets[i])
                || (i > 0 && buckets[i] <= buckets[i - 1]))
            {
                throw new FlagException($"--{flag.Name} must be increasing numbers separated by commas, such as 0.1,1,10");
            }
        }
        return buckets.Length > 0 ? buckets : throw new FlagException($"--{flag.Name} needs at least one bucket");
    }

    private static IReadOnlyDictionary<string, string> StaticLabels(FlagValues values)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in values.GetAll(Flags.MetricsStaticLabel))
        {
            var eq = item.IndexOf('=');
            var name = eq > 0 ? item[..eq] : "";
            if (!MetricName().IsMatch(name) || name.StartsWith("__", StringComparison.Ordinal))
            {
                throw new FlagException($"--metrics.static-label '{item}' must be name=value with a valid label name");
            }
            if (name == Metrics.LabelNames.Stream)
            {
                throw new FlagException($"--metrics.static-label '{item}': the exporter sets the stream label itself, "
                    + "from --broker.exchange and --broker.binding-key; name the label otherwise");
            }
            labels[name] = item[(eq + 1)..];
        }
        return labels;
    }

    private static QueueName QueueOf(string item)
    {
        var slash = item.IndexOf('/');
        return slash > 0 ? new QueueName(item[..slash], item[(slash + 1)..]) : new QueueName("rabbitmq", item);
    }

    private static List<string> List(string? text) =>
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
