using JobExporter.Aggregation;
using JobExporter.Broker;
using JobExporter.Celery;
using JobExporter.Collectors;
using JobExporter.Configuration;
using JobExporter.Metrics;
using JobExporter.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobExporter;

/// <summary>Wires the exporter's parts into one web application. Every part is registered here and only here.</summary>
internal static class ExporterApp
{
    public static WebApplication Build(ExporterOptions options, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(ListenUrl(options.ListenAddress, options.Web.Tls is null ? "http" : "https"));
        // --web.listen-address is the only address. Without these, the ASPNETCORE_HTTP_PORTS=8080 of Microsoft's base
        // images is read too, and every start warns that the listen address overrides it.
        builder.WebHost.UseSetting(WebHostDefaults.HttpPortsKey, "");
        builder.WebHost.UseSetting(WebHostDefaults.HttpsPortsKey, "");
        // The slim builder leaves HTTPS out unless asked for.
        if (options.Web.Tls is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (options.Web.Tls is { } tls) kestrel.ConfigureHttpsDefaults(https => HttpsSetup.Apply(https, tls));
        });
        ConfigureLogging(builder.Logging, options);

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddSingleton(_ =>
        {
            var metrics = new ExporterMetrics(options, BuildVersion.Version, BuildVersion.Revision);
            if (options.ProcessMetrics) metrics.AddProcessMetrics();
            return metrics;
        });
        services.AddSingleton(sp => new QueueRegistry(options.RabbitMqQueues, options.MaxLabelValues));
        services.AddSingleton(sp => EventApplier.Create(options, sp.GetRequiredService<ExporterMetrics>(),
            sp.GetRequiredService<QueueRegistry>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WorkerTracker>>(),
            sp.GetRequiredService<ILogger<EventApplier>>()));
        if (options.RabbitMqEvents)
        {
            services.AddSingleton<EventConsumer>();
            services.AddHostedService(sp => sp.GetRequiredService<EventConsumer>());
        }
        if (options.Ingest)
        {
            services.AddSingleton(sp => new IngestEndpoint(sp.GetRequiredService<EventApplier>(), options.ParserLimits,
                sp.GetRequiredService<ILogger<IngestEndpoint>>()));
        }
        services.AddHostedService<RabbitMqQueueCollector>();
        if (options.HangfirePostgres is not null)
        {
            services.AddHostedService<HangfireStorageCollector>();
        }
        if (options.Celery.Enabled)
        {
            services.AddSingleton(sp => new CeleryMetrics(sp.GetRequiredService<ExporterMetrics>()));
            services.AddSingleton<CeleryMessageApplier>();
            if (options.Celery.Redis is null)
            {
                services.AddSingleton<CeleryConsumer>();
                services.AddHostedService(sp => sp.GetRequiredService<CeleryConsumer>());
            }
            else
            {
                services.AddSingleton(sp => new CeleryRedisMetrics(sp.GetRequiredService<ExporterMetrics>()));
                services.AddSingleton<CeleryRedisSubscriber>();
                services.AddHostedService(sp => sp.GetRequiredService<CeleryRedisSubscriber>());
                services.AddHostedService<RedisQueueCollector>();
            }
        }
        if (options.Celery.ExporterNames)
        {
            services.AddSingleton(sp => new CeleryExporterNames(sp.GetRequiredService<ExporterMetrics>()));
            services.AddSingleton(sp => new CeleryExporterRuntime(sp.GetRequiredService<ExporterMetrics>(), sp.GetRequiredService<EventApplier>(),
                options.Celery.ExporterRuntimeBuckets));
        }
        services.AddHostedService<LivenessTimer>();
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var app = builder.Build();
        app.Logger.LogInformation("Starting jobexporter {Version} (revision {Revision}), .NET {Runtime}, listening on {Address}",
            BuildVersion.Version, BuildVersion.Revision, Environment.Version, options.ListenAddress);
        // Created now, not at first use: it hooks itself into every scrape.
        if (options.Celery.ExporterNames) app.Services.GetRequiredService<CeleryExporterNames>();
        // Likewise: it must listen to the applier before the first event.
        if (options.Celery.ExporterNames) app.Services.GetRequiredService<CeleryExporterRuntime>();
        if (options.Web.Users is { } users) app.UseBasicAuth(users);
        Endpoints.Map(app, options, app.Services.GetRequiredService<ExporterMetrics>(), ReadinessChecks(app.Services),
            app.Services.GetService<IngestEndpoint>());
        return app;
    }

    /// <summary>What /readyz waits for: each event source that is on, in this order.</summary>
    private static List<ReadinessCheck> ReadinessChecks(IServiceProvider services)
    {
        var checks = new List<ReadinessCheck>();
        if (services.GetService<EventConsumer>() is { } consumer)
        {
            checks.Add(new ReadinessCheck("not connected to the broker", () => consumer.IsConnected, () => consumer.NotReadyBecause));
        }
        if (services.GetService<CeleryConsumer>() is { } celery)
        {
            checks.Add(new ReadinessCheck("not consuming Celery events", () => celery.IsConnected, () => celery.NotReadyBecause));
        }
        if (services.GetService<CeleryRedisSubscriber>() is { } redis)
        {
            checks.Add(new ReadinessCheck("not subscribed to Celery events on Redis", () => redis.IsConnected, () => redis.NotReadyBecause));
        }
        return checks;
    }

    /// <summary>Prometheus-style listen addresses (<c>:9821</c>, <c>127.0.0.1:9821</c>) as Kestrel URLs.</summary>
    public static string ListenUrl(string address, string scheme = "http")
    {
        var colon = address.LastIndexOf(':');
        var host = address[..colon];
        return $"{scheme}://{(host.Length == 0 ? "*" : host)}:{address[(colon + 1)..]}";
    }

    private static void ConfigureLogging(ILoggingBuilder logging, ExporterOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat == "json")
        {
            logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
        var level = options.LogLevel switch
        {
            "debug" => LogLevel.Debug,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        logging.SetMinimumLevel(level);
        // ASP.NET Core's per-request lines are noise for an exporter scraped every few seconds.
        logging.AddFilter("Microsoft", level > LogLevel.Warning ? level : LogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", level);
    }
}
