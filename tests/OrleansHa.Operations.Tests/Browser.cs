using Microsoft.Playwright;

namespace OrleansHa.Operations.Tests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>), headless, driven by Playwright: no browser is downloaded. The flags
/// keep it from reaching out to the network, which is closed here.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Where screenshots go: the test results folder, kept by scripts/test and CI.</summary>
    public static string ScreenshotFolder { get; } = RepositoryFiles.PathOf("artifacts/test-results/screenshots");

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run scripts/install-deps (Debian's chromium package).");
        }

        IPlaywright playwright = await Playwright.CreateAsync();
        IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        Directory.CreateDirectory(ScreenshotFolder);
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh browser context that answers the cluster's Basic login challenge as <paramref name="user"/>.</summary>
    public Task<IBrowserContext> LogInAsync(string user, string password) =>
        _browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = user, Password = password },
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });

    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        string path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
