using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace JobExporter.Hangfire.Tests;

/// <summary>The one-line set-ups and what they say when the options cannot work.</summary>
[TestFixture]
[NonParallelizable]
public sealed class SetupTests
{
    [Test]
    public void Options_without_a_broker_are_refused_with_a_message_naming_the_setting()
    {
        var options = new JobExporterHangfireOptions { HeartbeatInterval = TimeSpan.Zero };
        Assert.That(() => new JobExporterEmitter(options), Throws.ArgumentException
            .With.Message.Contains("JobExporter:BrokerUrl is required")
            .And.Message.Contains("HeartbeatInterval must be positive"));
    }

    [Test]
    public void Options_bound_from_configuration_are_validated_when_the_host_starts()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["JobExporter:BrokerUrl"] = "http://user:s3cret-pw@not-amqp/" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddJobExporterHangfire();
        using var provider = services.BuildServiceProvider();
        Assert.That(() => provider.GetRequiredService<IOptions<JobExporterHangfireOptions>>().Value,
            Throws.TypeOf<OptionsValidationException>().With.Message.Contains("JobExporter:BrokerUrl must be an amqp:// or amqps:// URL")
                .And.Message.Not.Contains("s3cret-pw"));
    }

    [Test]
    public void Adding_the_emitter_twice_is_fine_and_its_options_are_validated_once_when_the_host_starts()
    {
        using var host = new HostBuilder().ConfigureServices(services =>
        {
            services.AddJobExporterHangfire(o => o.BrokerUrl = new Uri("amqp://localhost/"));
            services.AddJobExporterHangfire(o => o.HeartbeatInterval = TimeSpan.Zero);
        }).Build();

        var error = Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.That(error!.Failures, Has.Exactly(1).Items.Contains("HeartbeatInterval"), "the second call's setting, checked once");
    }

    [Test]
    public async Task The_service_collection_set_up_registers_the_worker_process_and_installs_the_filters_globally()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["JobExporter:BrokerUrl"] = "amqp://guest@127.0.0.1:1/",
                ["JobExporter:Password"] = "from-a-secret-store",
                ["JobExporter:FlushTimeout"] = "00:00:02",
                ["JobExporter:Hostname"] = "shared-name",
                ["JobExporter:Hangfire:Hostname"] = "web-1",
                ["JobExporter:HeartbeatInterval"] = "00:00:03",
            })
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddJobExporterHangfire(configuration.GetSection(JobExporterHangfireOptions.SectionName));
        await using var provider = services.BuildServiceProvider();

        _ = provider.GetServices<IHostedService>().ToArray();
        var emitter = provider.GetRequiredService<JobExporterEmitter>();
        Assert.Multiple(() =>
        {
            Assert.That(emitter.Options.EffectiveHostname, Is.EqualTo("web-1"), "the Hangfire sub-section has the last word");
            Assert.That(emitter.Options.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(emitter.Options.Password, Is.EqualTo("from-a-secret-store"));
            Assert.That(emitter.Options.FlushTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
            Assert.That(provider.GetServices<IBackgroundProcess>(), Is.EqualTo(new[] { emitter.WorkerProcess }));
            Assert.That(GlobalJobFilters.Filters.Select(f => f.Instance), Is.SupersetOf(emitter.FilterRegistrations.Select(r => r.Filter)));
        });

        await emitter.DisposeAsync();
        Assert.That(GlobalJobFilters.Filters.Select(f => f.Instance), Has.None.AnyOf(emitter.FilterRegistrations.Select(r => r.Filter).ToArray()));
    }

    [Test]
    public async Task The_global_configuration_set_up_returns_the_emitter_with_its_filters_installed_once()
    {
        var entry = GlobalConfiguration.Configuration.UseJobExporter(o => o.BrokerUrl = new Uri("amqp://guest:guest@127.0.0.1:1/"));
        await using var emitter = entry.Entry; // disposing takes the filters out of Hangfire's static state again
        GlobalConfiguration.Configuration.UseJobExporter(emitter);

        var installed = GlobalJobFilters.Filters.Select(f => f.Instance).ToArray();
        Assert.That(emitter.FilterRegistrations.Select(r => installed.Count(i => ReferenceEquals(i, r.Filter))), Has.All.EqualTo(1));
        Assert.That(emitter.Options.EffectiveHostname, Is.EqualTo(Environment.MachineName));
    }
}
