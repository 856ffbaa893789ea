using System.Text;
using System.Text.RegularExpressions;
using Apache.Arrow;
using Apache.Arrow.Types;
using Google.Protobuf;
using OrleansHa.Abstractions;
using OrleansHa.Node.Flight.Sql;
using OrleansHa.Node.Http;

namespace OrleansHa.Node.Flight;

/// <summary>
/// Flight SQL's catalog commands, answered from the master's catalog, in the result shapes the specification gives.
/// Queries name sources and views without a qualifier, so they are tables without a catalog or schema (TABLE for a
/// source, VIEW for a view); the catalog's spaces, which hold entries rather than tables, are its schemas. There are
/// no catalogs.
/// </summary>
internal sealed class FlightSqlCatalog(MasterClient master, FlightQueries queries)
{
    private const string Table = "TABLE";
    private const string View = "VIEW";

    private static readonly Schema CatalogsSchema = new Schema.Builder()
        .Field(f => f.Name("catalog_name").DataType(StringType.Default).Nullable(false)).Build();

    private static readonly Schema DbSchemasSchema = new Schema.Builder()
        .Field(f => f.Name("catalog_name").DataType(StringType.Default).Nullable(true))
        .Field(f => f.Name("db_schema_name").DataType(StringType.Default).Nullable(false)).Build();

    private static readonly Schema TablesSchema = TablesSchemaWith(includeSchema: false);

    private static readonly Schema TablesWithSchemasSchema = TablesSchemaWith(includeSchema: true);

    private static readonly Schema TableTypesSchema = new Schema.Builder()
        .Field(f => f.Name("table_type").DataType(StringType.Default).Nullable(false)).Build();

    /// <summary>The schema of a catalog command's result.</summary>
    public static Schema SchemaOf(IMessage command) => command switch
    {
        CommandGetCatalogs => CatalogsSchema,
        CommandGetDbSchemas => DbSchemasSchema,
        CommandGetTables tables => tables.IncludeSchema ? TablesWithSchemasSchema : TablesSchema,
        CommandGetTableTypes => TableTypesSchema,
        CommandGetSqlInfo => FlightSqlInfo.Schema,
        _ => throw new ArgumentException($"{command.Descriptor.Name} is not a catalog command.", nameof(command)),
    };

    /// <summary>A catalog command's result, in one batch.</summary>
    public async Task<RecordBatch> ReadAsync(IMessage command, CancellationToken cancellationToken) => command switch
    {
        CommandGetCatalogs => new RecordBatch(CatalogsSchema, [new StringArray.Builder().Build()], 0),
        CommandGetDbSchemas schemas => await DbSchemasAsync(schemas, cancellationToken),
        CommandGetTables tables => await TablesAsync(tables, cancellationToken),
        CommandGetTableTypes => new RecordBatch(TableTypesSchema, [new StringArray.Builder().Append(Table).Append(View).Build()], 2),
        CommandGetSqlInfo info => FlightSqlInfo.Read(info),
        _ => throw new ArgumentException($"{command.Descriptor.Name} is not a catalog command.", nameof(command)),
    };

    private async Task<RecordBatch> DbSchemasAsync(CommandGetDbSchemas command, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> spaces = command.HasCatalog && command.Catalog.Length > 0
            ? []
            : await master.ReadAsync(m => m.ListSpacesAsync(), cancellationToken);
        string[] matching = [.. spaces.Where(s => Like(command.HasDbSchemaFilterPattern ? command.DbSchemaFilterPattern : null, s)).Order(StringComparer.Ordinal)];
        return new RecordBatch(DbSchemasSchema, [Nulls(matching.Length), new StringArray.Builder().AppendRange(matching).Build()], matching.Length);
    }

    private async Task<RecordBatch> TablesAsync(CommandGetTables command, CancellationToken cancellationToken)
    {
        // Sources and views have no catalog and no schema: a filter that asks for a named one finds none of them.
        bool unqualified = (!command.HasCatalog || command.Catalog.Length == 0)
            && (!command.HasDbSchemaFilterPattern || command.DbSchemaFilterPattern is "" or "%");
        CatalogSnapshot catalog = unqualified
            ? await master.ReadAsync(m => m.GetCatalogAsync(), cancellationToken)
            : new CatalogSnapshot(0, [], []);
        (string Name, string Type)[] tables =
        [
            .. catalog.Sources.Select(s => (s.Name, Type: Table)).Concat(catalog.Views.Select(v => (v.Name, Type: View)))
                .Where(t => Like(command.HasTableNameFilterPattern ? command.TableNameFilterPattern : null, t.Name))
                .Where(t => command.TableTypes.Count == 0 || command.TableTypes.Contains(t.Type, StringComparer.OrdinalIgnoreCase))
                .OrderBy(t => t.Name, StringComparer.Ordinal),
        ];
        var names = new StringArray.Builder();
        var types = new StringArray.Builder();
        var schemas = new BinaryArray.Builder();
        foreach ((string name, string type) in tables)
        {
            names.Append(name);
            types.Append(type);
            if (command.IncludeSchema)
            {
                string quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
                schemas.Append(FlightQueries.SchemaBytes(await queries.SchemaOfAsync($"SELECT * FROM {quoted} LIMIT 0", cancellationToken)).AsSpan());
            }
        }

        IArrowArray[] columns = command.IncludeSchema
            ? [Nulls(tables.Length), Nulls(tables.Length), names.Build(), types.Build(), schemas.Build()]
            : [Nulls(tables.Length), Nulls(tables.Length), names.Build(), types.Build()];
        return new RecordBatch(command.IncludeSchema ? TablesWithSchemasSchema : TablesSchema, columns, tables.Length);
    }

    /// <summary>A column of <paramref name="count"/> nulls: no catalog, no schema.</summary>
    private static StringArray Nulls(int count)
    {
        var nulls = new StringArray.Builder();
        for (int i = 0; i < count; i++)
        {
            nulls.AppendNull();
        }

        return nulls.Build();
    }

    private static Schema TablesSchemaWith(bool includeSchema)
    {
        Schema.Builder builder = new Schema.Builder()
            .Field(f => f.Name("catalog_name").DataType(StringType.Default).Nullable(true))
            .Field(f => f.Name("db_schema_name").DataType(StringType.Default).Nullable(true))
            .Field(f => f.Name("table_name").DataType(StringType.Default).Nullable(false))
            .Field(f => f.Name("table_type").DataType(StringType.Default).Nullable(false));
        return includeSchema ? builder.Field(f => f.Name("table_schema").DataType(BinaryType.Default).Nullable(false)).Build() : builder.Build();
    }

    /// <summary>Flight SQL's filter patterns: <c>%</c> any run of characters, <c>_</c> any one, <c>\</c> escapes; no pattern matches all.</summary>
    internal static bool Like(string? pattern, string value)
    {
        if (pattern is null)
        {
            return true;
        }

        var regex = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            regex.Append(c switch
            {
                '%' => ".*",
                '_' => ".",
                '\\' when i + 1 < pattern.Length => Regex.Escape(pattern[++i].ToString()),
                _ => Regex.Escape(c.ToString()),
            });
        }

        return Regex.IsMatch(value, regex.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }
}
