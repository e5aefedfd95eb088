// PostGraphile v5 as a team would run it in production over Terrasse's tables: the Amber
// preset, simplified inflection, production mode (no explain, no GraphiQL watch), listening
// on PEER_PORT over DATABASE_URL's public schema.
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  pgServices: [
    makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"], poolConfig: { max: 16 } }),
  ],
  grafserv: { port: Number(process.env.PEER_PORT), host: "127.0.0.1", graphiql: false },
  grafast: { explain: false },
};
