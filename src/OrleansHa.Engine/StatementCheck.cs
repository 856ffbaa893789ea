using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DuckDB.NET.Native;

namespace OrleansHa.Engine;

/// <summary>
/// Parses and binds the query once, without running it, to refuse what the sandbox does not run: more than one
/// statement, and any statement that is not a read (SELECT, including the SHOW, DESCRIBE and SUMMARIZE forms DuckDB
/// rewrites to one, and EXPLAIN): by its first word (<see cref="SqlGuard.EnsureStartsAsRead"/>) before it is
/// bound, then by the type DuckDB gives the bound statement. Binding also makes DuckDB check the file paths against the
/// allowed directories.
/// </summary>
/// <remarks>
/// DuckDB's <c>allowed_directories</c> allows writing as well as reading, so this check is what keeps
/// <c>COPY ... TO</c>, <c>EXPORT DATABASE</c> and <c>ATTACH</c> from writing into a source directory. Preparing most
/// statements has no side effect, but not all (preparing EXPORT DATABASE creates its directory), hence the first-word
/// check before it.
/// </remarks>
internal static partial class StatementCheck
{
    // duckdb_statement_type of the C API (duckdb.h). DuckDB.NET's own DuckDBStatementType enum has an extra member
    // and is off by one from PRAGMA on, so it is not used.
    private enum StatementType
    {
        Invalid = 0,
        Select = 1,
        Insert = 2,
        Update = 3,
        Explain = 4,
        Delete = 5,
        Prepare = 6,
        Create = 7,
        Execute = 8,
        Alter = 9,
        Transaction = 10,
        Copy = 11,
        Analyze = 12,
        VariableSet = 13,
        CreateFunc = 14,
        Drop = 15,
        Export = 16,
        Pragma = 17,
        Vacuum = 18,
        Call = 19,
        Set = 20,
        Load = 21,
        Relation = 22,
        Extension = 23,
        LogicalPlan = 24,
        Attach = 25,
        Detach = 26,
        Multi = 27,
    }

    /// <summary>
    /// <paramref name="sql"/> prepared (parsed and bound once, not run), for the caller to execute and dispose; throws
    /// <see cref="EngineException"/> unless it is one statement that only reads.
    /// </summary>
    public static DuckDBPreparedStatement PrepareSingleRead(DuckDBNativeConnection connection, string sql)
    {
        var count = NativeMethods.ExtractStatements.DuckDBExtractStatements(connection, sql, out var extracted);
        using (extracted)
        {
            if (count <= 0)
            {
                var error = NativeMethods.ExtractStatements.DuckDBExtractStatementsError(extracted);
                throw string.IsNullOrWhiteSpace(error)
                    ? new EngineException(EngineFailureKind.Sql, "The query is empty: it has no SQL statement.")
                    : EngineErrors.FromMessage(error);
            }

            if (count > 1)
            {
                throw new EngineException(
                    EngineFailureKind.Permission,
                    $"The query sandbox runs exactly one SQL statement per query; this query has {count}.");
            }

            // Preparing binds, and binding some statements has side effects: refuse those on their first word first.
            SqlGuard.EnsureStartsAsRead(sql);
            var state = NativeMethods.ExtractStatements.DuckDBPrepareExtractedStatement(connection, extracted, 0, out var prepared);
            try
            {
                if (state != DuckDBState.Success)
                {
                    var error = NativeMethods.PreparedStatements.DuckDBPrepareError(prepared);
                    throw EngineErrors.FromMessage(string.IsNullOrWhiteSpace(error) ? "The engine could not prepare the query." : error);
                }

                var type = PreparedStatementType(prepared);
                if (type is not (StatementType.Select or StatementType.Explain))
                {
                    throw new EngineException(
                        EngineFailureKind.Permission,
                        $"The query sandbox runs only queries that read (SELECT or EXPLAIN); this is {Describe(type)}, which is refused.");
                }

                return prepared;
            }
            catch
            {
                prepared.Dispose();
                throw;
            }
        }
    }

    private static string Describe(StatementType type) => type switch
    {
        StatementType.Copy => "a COPY statement (writing files is not allowed)",
        StatementType.Export => "an EXPORT DATABASE statement (writing files is not allowed)",
        StatementType.Attach => "an ATTACH statement (attaching databases is not allowed)",
        StatementType.Detach => "a DETACH statement",
        StatementType.Load or StatementType.Extension => "an INSTALL or LOAD statement (extensions are not allowed)",
        StatementType.Set or StatementType.VariableSet => "a SET, RESET or USE statement (the configuration is locked)",
        StatementType.Pragma => "a PRAGMA that changes the engine's state",
        StatementType.Call => "a CALL statement",
        StatementType.Insert or StatementType.Update or StatementType.Delete => "a statement that changes data",
        StatementType.Create or StatementType.CreateFunc or StatementType.Alter or StatementType.Drop => "a statement that changes the catalog",
        _ => $"a {type.ToString().ToUpperInvariant()} statement",
    };

    [LibraryImport("duckdb", EntryPoint = "duckdb_prepared_statement_type")]
    [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    private static partial StatementType PreparedStatementType(DuckDBPreparedStatement statement);
}
