/** The SQL family a store speaks; the migrations and a few queries differ by it. */
export type Dialect = 'sqlite' | 'postgres'
