using System.Reflection;
using Apache.Arrow;
using Apache.Arrow.Types;
using OrleansHa.Node.Flight.Sql;

namespace OrleansHa.Node.Flight;

/// <summary>
/// <c>CommandGetSqlInfo</c>: what drivers ask on connect (the server's name and version, what SQL it takes, how
/// identifiers are quoted), as the specification's <c>info_name: uint32, value: dense_union&lt;...&gt;</c>. The numbers are
/// the specification's <c>SqlInfo</c> values.
/// </summary>
internal static class FlightSqlInfo
{
    // The union's members, in the specification's order; their type ids are their positions.
    private const sbyte StringValue = 0;
    private const sbyte BoolValue = 1;
    private const sbyte Int32Value = 3;

    private static readonly UnionType ValueType = new(
        [
            new Field("string_value", StringType.Default, true),
            new Field("bool_value", BooleanType.Default, true),
            new Field("bigint_value", Int64Type.Default, true),
            new Field("int32_bitmask", Int32Type.Default, true),
            new Field("string_list", new ListType(new Field("item", StringType.Default, true)), true),
            new Field("int32_to_int32_list_map", new MapType(new Field("key", Int32Type.Default, false), new Field("value", new ListType(new Field("item", Int32Type.Default, true)), true)), true),
        ],
        [0, 1, 2, 3, 4, 5],
        UnionMode.Dense);

    public static readonly Schema Schema = new Schema.Builder()
        .Field(f => f.Name("info_name").DataType(UInt32Type.Default).Nullable(false))
        .Field(f => f.Name("value").DataType(ValueType).Nullable(false))
        .Build();

    /// <summary>Every value this cluster answers, by <c>SqlInfo</c> number.</summary>
    private static readonly (uint Info, sbyte Type, object Value)[] Known =
    [
        (0, StringValue, "OrleansHa"), // FLIGHT_SQL_SERVER_NAME
        (1, StringValue, typeof(FlightSqlInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0"), // FLIGHT_SQL_SERVER_VERSION
        (2, StringValue, typeof(RecordBatch).Assembly.GetName().Version?.ToString(3) ?? "0"), // FLIGHT_SQL_SERVER_ARROW_VERSION
        (3, BoolValue, true), // FLIGHT_SQL_SERVER_READ_ONLY: queries read; the catalog changes through REST
        (4, BoolValue, true), // FLIGHT_SQL_SERVER_SQL
        (5, BoolValue, false), // FLIGHT_SQL_SERVER_SUBSTRAIT
        (8, Int32Value, 0), // FLIGHT_SQL_SERVER_TRANSACTION: SQL_SUPPORTED_TRANSACTION_NONE
        (9, BoolValue, false), // FLIGHT_SQL_SERVER_CANCEL
        (500, BoolValue, false), // SQL_DDL_CATALOG
        (501, BoolValue, false), // SQL_DDL_SCHEMA
        (502, BoolValue, false), // SQL_DDL_TABLE
        (503, Int32Value, 1), // SQL_IDENTIFIER_CASE: SQL_CASE_SENSITIVITY_CASE_INSENSITIVE (DuckDB)
        (504, StringValue, "\""), // SQL_IDENTIFIER_QUOTE_CHAR
        (505, Int32Value, 1), // SQL_QUOTED_IDENTIFIER_CASE: case-insensitive too
        (506, BoolValue, true), // SQL_ALL_TABLES_ARE_SELECTABLE
        (507, Int32Value, 3), // SQL_NULL_ORDERING: SQL_NULLS_SORTED_AT_END (DuckDB's NULLS LAST)
        (529, StringValue, "space"), // SQL_SCHEMA_TERM
        (531, StringValue, string.Empty), // SQL_CATALOG_TERM: empty, no catalogs
    ];

    /// <summary>The values asked for (all when none is named); numbers this cluster does not know are left out.</summary>
    public static RecordBatch Read(CommandGetSqlInfo command)
    {
        var rows = Known.Where(k => command.Info.Count == 0 || command.Info.Contains(k.Info)).ToArray();
        var names = new UInt32Array.Builder();
        var typeIds = new ArrowBuffer.Builder<sbyte>();
        var offsets = new ArrowBuffer.Builder<int>();
        var strings = new StringArray.Builder();
        var bools = new BooleanArray.Builder();
        var ints = new Int32Array.Builder();
        foreach ((uint info, sbyte type, object value) in rows)
        {
            names.Append(info);
            typeIds.Append(type);
            switch (type)
            {
                case StringValue:
                    offsets.Append(strings.Length);
                    strings.Append((string)value);
                    break;
                case BoolValue:
                    offsets.Append(bools.Length);
                    bools.Append((bool)value);
                    break;
                default:
                    offsets.Append(ints.Length);
                    ints.Append((int)value);
                    break;
            }
        }

        IArrowArray[] members =
        [
            strings.Build(),
            bools.Build(),
            new Int64Array.Builder().Build(),
            ints.Build(),
            new ListArray.Builder(StringType.Default).Build(),
            new MapArray.Builder((MapType)ValueType.Fields[5].DataType).Build(),
        ];
        var values = new DenseUnionArray(ValueType, rows.Length, members, typeIds.Build(), offsets.Build());
        return new RecordBatch(Schema, [names.Build(), values], rows.Length);
    }
}
