/** The behaviour of the tiny pretend model both providers share when no scenario is scripted. */

export const WEATHER_TOOL_ARGUMENTS = { location: "Paris" };

export function echoAnswer(userText: string, imageCount: number): string {
  return `echo: ${userText}${imageCount > 0 ? ` [${imageCount} image(s)]` : ""}`;
}

/** True when the conversation ends with a user asking about the weather, so the model calls a tool. */
export function wantsWeatherTool(lastMessageIsUser: boolean, lastMessageText: string): boolean {
  return lastMessageIsUser && /weather/i.test(lastMessageText);
}
