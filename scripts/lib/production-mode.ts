// Imported first by scripts that serve the app for measurement: React, Remix and Express pick their
// production code paths from NODE_ENV when they are first loaded, and a deployment runs with
// NODE_ENV=production. (React's development build renders several times slower.)
process.env.NODE_ENV ??= "production";
if (process.env.NODE_ENV !== "production") console.warn(`NODE_ENV=${process.env.NODE_ENV}: measuring development builds of React and Remix`);
