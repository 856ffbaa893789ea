using System.Globalization;

namespace OrleansHa.Operations.Tests;

/// <summary>One scrape of a node's <c>/metrics</c> (Prometheus text format), read by series.</summary>
internal sealed class MetricsScrape
{
    private readonly Dictionary<string, double> _series = new(StringComparer.Ordinal);

    private MetricsScrape(string text)
    {
        Text = text;
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                _series[line[..space]] = value;
            }
        }
    }

    public string Text { get; }

    public static async Task<MetricsScrape> ReadAsync(HttpClient http, string webUrl)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri(webUrl + "/metrics"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {webUrl}/metrics: {(int)response.StatusCode} {text}");
        return new MetricsScrape(text);
    }

    /// <summary>The value of one series, e.g. <c>orleansha_master_epoch</c> or <c>x{state="Connected"}</c>.</summary>
    public double this[string series] =>
        _series.TryGetValue(series, out double value) ? value : throw new KeyNotFoundException($"No series {series} in the scrape:\n{Text}");

    public bool Has(string series) => _series.ContainsKey(series);

    /// <summary>The names of the metric families scraped (one per <c># TYPE</c> line).</summary>
    public IEnumerable<string> Families => Text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]);
}
