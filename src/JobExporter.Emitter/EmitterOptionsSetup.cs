using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JobExporter.Emitter;

/// <summary>
/// How both emitters' <c>AddJobExporter…</c> set up their options, written once so that they cannot drift: bind the
/// <c>JobExporter</c> section (given, or the app's own), then the emitter's sub-section, then the callback; validate
/// at start, naming every bad setting at once. Options may be added to any number of times; validation is
/// registered on the first call only.
/// </summary>
internal static class EmitterOptionsSetup
{
    /// <summary>Adds the binding and the callback; returns true on the first call, when the caller registers the rest.</summary>
    public static bool AddOptions<TOptions>(IServiceCollection services, IConfiguration? section, string subSection,
        Action<TOptions>? configure, Func<TOptions, IEnumerable<string>> problems, Func<IServiceCollection, bool> alreadyAdded)
        where TOptions : EventPublisherOptions
    {
        if (services is null) throw new ArgumentNullException(nameof(services));
        var options = services.AddOptions<TOptions>();
        if (section is not null) options.Configure(o => Bind(section, subSection, o));
        else options.Configure<IServiceProvider>((o, provider) =>
        {
            if (provider.GetService<IConfiguration>() is { } configuration)
            {
                Bind(configuration.GetSection(EventPublisherOptions.SectionName), subSection, o);
            }
        });
        if (configure is not null) options.Configure(configure);

        if (alreadyAdded(services)) return false;
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>>(new Validator<TOptions>(problems)));
        return true;
    }

    /// <summary>The shared settings from the <c>JobExporter</c> section, then what the emitter's sub-section says.</summary>
    public static void Bind<TOptions>(IConfiguration section, string subSection, TOptions options)
    {
        section.Bind(options);
        section.GetSection(subSection).Bind(options);
    }

    private sealed class Validator<TOptions>(Func<TOptions, IEnumerable<string>> problems) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var found = problems(options).ToList();
            return found.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(found);
        }
    }
}
