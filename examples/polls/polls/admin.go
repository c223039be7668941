package polls

// ADMIN: the admin registration goes here once the admin package exists
// (it is being written). As in the Django tutorial: Question with its
// Choices inline (three extra), list columns QuestionText, PubDate and
// "published recently" (WasPublishedRecently), a PubDate filter and a
// search on QuestionText. The project's urls.go has the matching place to
// mount the admin site (look for "ADMIN:").
