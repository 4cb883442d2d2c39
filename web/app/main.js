// phone app
