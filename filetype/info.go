package filetype

// Info is what the scan engine knows about a piece of content when it hands
// it to a matcher, so that signatures apply as ClamAV applies them: by the
// content's type (a signature's target), by where it was found (a logical
// signature's Container and Intermediates) and by what the content is a
// view of.
type Info struct {
	// Type is the content's type, from Of, or the type a container gave
	// its member (a VBA macro stream is MSOLE2, for target 2).
	Type Type
	// Found is what Found saw inside the content (HTML or mail in text),
	// Any for nothing: ASCII text found to hold mail is also matched with
	// the mail target, as ClamAV does.
	Found Type
	// Containers are the types of the layers the content was found in,
	// outermost first: nil for a file scanned on its own, [Zip] for a
	// member of a zip file, [Mail, Zip] for a member of a zip attached to
	// a mail. Normalised views are not layers.
	Containers []Type
	// Normalized marks a normalised view of a layer rather than a layer:
	// ASCII text lower-cased with its white space folded (target 7), the
	// normalised forms of HTML (target 3). Such content is matched by body
	// and logical signatures of the generic target and Type's, not by
	// hashes, and Containers are those of the layer it is a view of.
	Normalized bool
	// Rescan marks content scanned again as Type because a logical
	// signature with HandlerType:Type matched it: its Containers end with
	// the type it had before, and such signatures now report a detection
	// instead of asking for another rescan.
	Rescan bool
}

// Container returns the type of the innermost container, Any at the top.
func (i Info) Container() Type {
	if len(i.Containers) == 0 {
		return Any
	}
	return i.Containers[len(i.Containers)-1]
}
