// The SQL Server error a request or login answers with (sent as an ERROR token).

/** A SQL Server error to send as an ERROR token. */
export class SqlServerError extends Error {
  constructor(
    readonly number: number,
    message: string,
    readonly severity = 16,
    readonly state = 1,
  ) {
    super(message);
  }
}
