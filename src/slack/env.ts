// Kept apart from app.ts so the CLI can tell whether Slack is configured without loading Bolt.

export type SlackEnv = {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  port: number;
  apiUrl?: string;
  redisUrl?: string;
};

/** What is needed to start, read from the conventional variables; `missing` says what to set. */
export function slackEnv(env: NodeJS.ProcessEnv): { settings?: SlackEnv; missing: string[] } {
  const port = Number(env.PORT ?? 3000);
  const missing = [
    ...(env.SLACK_BOT_TOKEN ? [] : ["SLACK_BOT_TOKEN (the bot token, xoxb-…)"]),
    ...(env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN
      ? []
      : ["SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode, xapp-…)"]),
    ...(Number.isInteger(port) && port >= 0 && port <= 65535
      ? []
      : [`PORT as a port number (0–65535), not "${env.PORT}"`]),
  ];
  if (missing.length) return { missing };
  return {
    missing,
    settings: {
      botToken: env.SLACK_BOT_TOKEN!,
      signingSecret: env.SLACK_SIGNING_SECRET,
      appToken: env.SLACK_APP_TOKEN,
      port,
      apiUrl: env.SLACK_API_URL,
      redisUrl: env.REDIS_URL,
    },
  };
}
